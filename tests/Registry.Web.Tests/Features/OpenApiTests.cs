using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Registry.Web.Tests.Features;

public sealed partial class OpenApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task The_openapi_document_describes_every_api_endpoint_the_host_maps()
    {
        var response = await app.Anonymous().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await response.JsonAsync()).GetProperty("paths");

        var mapped = ApiOperations().ToList();
        var missing = mapped
            .Where(o => !paths.TryGetProperty(o.Path, out var item) || !item.TryGetProperty(o.Method.ToLowerInvariant(), out _))
            .Select(o => $"{o.Method} {o.Path}")
            .ToList();

        Assert.True(mapped.Count > 40, $"only {mapped.Count} /api/v1 operations found; is the endpoint data source read correctly?");
        Assert.True(missing.Count == 0, "missing from the OpenAPI document:\n" + string.Join("\n", missing));
    }

    /// <summary>Every /api/v1 operation the host maps, as the OpenAPI document spells its path (no route constraints, no trailing slash).</summary>
    private IEnumerable<(string Method, string Path)> ApiOperations() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (m, Constraint().Replace(e.RoutePattern.RawText!, "{$1}").TrimEnd('/'))))
            .Distinct();

    [GeneratedRegex(@"\{(\w+):[^}]*\}")]
    private static partial Regex Constraint();

    [Fact]
    public async Task The_openapi_document_lints_clean_with_redocly()
    {
        var npx = FindOnPath("npx");
        Assert.True(npx is not null, "npx is needed to lint the OpenAPI document (make test installs Node.js)");
        var document = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(document, await app.Anonymous().GetStringAsync("/openapi/v1.json"));
        try
        {
            var config = Path.Combine(Registry.Web.Hosting.RepositoryRoot.Find(), "redocly.yaml");
            var info = new ProcessStartInfo(npx!, ["--yes", "@redocly/cli@2", "lint", "--config", config, document])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var lint = Process.Start(info)!;
            var output = lint.StandardOutput.ReadToEndAsync();
            var errors = lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));

            Assert.True(lint.ExitCode == 0, $"redocly lint failed:\n{await output}\n{await errors}");
        }
        finally
        {
            File.Delete(document);
        }
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}
