// The real registry host (WebApplicationFactory over a fresh PostgreSQL database) with a data
// scientist's token, for running the real command line against it.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Registry.Cli.Tests.Commands;
using Registry.Testing;

namespace Registry.Cli.Tests.EndToEnd;

public sealed class CliHost : RegistryApp
{
    public string DataScientistToken { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var admin = CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username = "dana", displayName = "Dana Scientist", roles = new[] { "data-scientist" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = await admin.PostAsJsonAsync("/api/v1/users/dana/tokens", new { name = "ci" });
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        DataScientistToken = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>The CLI as a data scientist's CI job runs it: REGISTRY_URL and REGISTRY_TOKEN set, in <paramref name="workingDirectory"/>.</summary>
    public CliRunner Cli(string workingDirectory) =>
        new(workingDirectory, Server.CreateHandler(), new() { ["REGISTRY_URL"] = Server.BaseAddress.ToString(), ["REGISTRY_TOKEN"] = DataScientistToken });
}
