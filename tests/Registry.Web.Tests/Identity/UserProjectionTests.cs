using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Identity;
using Registry.Testing;

namespace Registry.Web.Tests.Identity;

public sealed class UserProjectionTests(IdentityApp app) : IClassFixture<IdentityApp>
{
    [Fact]
    public async Task Rebuilding_the_account_read_models_from_the_log_gives_the_same_tables()
    {
        using var admin = app.CreateAdminClient();
        await app.CreateUserTokenAsync("proj-anna", Roles.Approver, Roles.Auditor);
        await admin.PostAsJsonAsync("/api/v1/users/proj-anna/roles", new { grant = new[] { Roles.Compliance }, revoke = new[] { Roles.Auditor } });
        await admin.PostAsJsonAsync("/api/v1/users", new { username = "proj-ben", displayName = "Ben", roles = new[] { Roles.DataScientist }, password = "a long enough password" });
        using (var browser = PortalSession.Start(app))
        {
            await browser.SignInAsync("proj-ben", "wrong password, twice over");
            await browser.SignInAsync("proj-ben", "a long enough password");
        }

        var before = await SnapshotAsync();
        await app.Services.GetRequiredService<EventStore.EventStore>().RebuildProjectionsAsync(["users"]);

        Assert.Equal(before, await SnapshotAsync());
        Assert.Contains("proj-anna|{approver,compliance}", before, StringComparison.Ordinal);
    }

    private async Task<string> SnapshotAsync()
    {
        await using var command = app.DataSource.CreateCommand("""
            SELECT string_agg(row, E'\n' ORDER BY row) FROM (
                SELECT concat_ws('|', username, roles::text, display_name, has_password, password_changed_at, consecutive_failures, locked_until, last_sign_in_at, version) AS row FROM registry.users
                UNION ALL SELECT concat_ws('|', id, username, name, encode(sha256, 'hex'), created_at, expires_at, revoked_at) FROM registry.user_tokens
                UNION ALL SELECT concat_ws('|', position, username, at, succeeded, method, reason, ip) FROM registry.sign_ins) r
            """);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
