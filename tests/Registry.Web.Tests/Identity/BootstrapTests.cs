using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;

namespace Registry.Web.Tests.Identity;

public sealed partial class BootstrapTests(BootstrapTests.Host app) : IClassFixture<BootstrapTests.Host>
{
    /// <summary>An empty database and no bootstrap token.</summary>
    public sealed class Host : IdentityApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Registry:Bootstrap:AdminToken", "");
        }
    }

    [Fact]
    public async Task Without_a_bootstrap_token_an_empty_registry_prints_a_generated_admin_password_once_and_it_signs_in()
    {
        using var browser = PortalSession.Start(app);

        var line = Assert.Single(app.Logs, l => l.Contains("generated password", StringComparison.Ordinal));
        var password = GeneratedPassword().Match(line).Groups[1].Value;
        var response = await browser.SignInAsync("admin", password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await using var command = app.DataSource.CreateCommand("SELECT count(*) FROM registry.events WHERE stream = 'user-admin' AND type = 'UserCreated' AND actor = 'system'");
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_bootstrap_token_is_not_accepted_when_it_is_not_configured()
    {
        using var client = app.CreateTokenClient(Registry.Testing.RegistryApp.AdminToken);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
    }

    [GeneratedRegex("generated password (\\S+) ")]
    private static partial Regex GeneratedPassword();
}
