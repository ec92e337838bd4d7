using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Registry.Web.Tests.Features;

public sealed class OpenApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task The_openapi_document_describes_every_registry_endpoint()
    {
        var response = await app.Anonymous().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await response.JsonAsync()).GetProperty("paths");

        foreach (var path in new[]
        {
            "/api/v1/models", "/api/v1/models/{name}", "/api/v1/models/{name}/versions", "/api/v1/models/{name}/versions/{version}",
            "/api/v1/models/{name}/versions/{version}/submit", "/api/v1/models/{name}/versions/{version}/approvals", "/api/v1/models/{name}/deployments",
            "/api/v1/models/{name}/rollback-requests", "/api/v1/rollback-requests/{id}/approve", "/api/v1/rollback-requests/{id}/reject",
            "/api/v1/models/{name}/diff", "/api/v1/models/{name}/versions/{version}/lineage", "/api/v1/datasets/{sha256}/usages", "/api/v1/events", "/api/v1/webhooks",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }
    }

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
