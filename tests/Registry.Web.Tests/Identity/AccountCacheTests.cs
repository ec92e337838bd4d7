// Authentication keeps the account behind a token in memory (AccountCache) while the log says no
// account changed. These tests show both halves: it is kept (a change made behind the log's back is
// not seen), and any account event — on this replica or another one over the same database — ends it.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Identity;
using Registry.Testing;
using Registry.Web.Identity;

namespace Registry.Web.Tests.Identity;

public sealed class AccountCacheTests(IdentityApp app) : IClassFixture<IdentityApp>
{
    private static readonly Uri Me = new("/api/v1/me", UriKind.Relative);

    [Fact]
    public async Task A_tokens_account_is_read_again_only_after_the_log_records_an_account_change()
    {
        await WaitUntilLiveAsync(app);
        using var client = await app.CreateUserClientAsync("cache-carol", Roles.DataScientist);
        // The watcher empties the cache for the events that created the account and its token when
        // their NOTIFY arrives; let it pass them before remembering the account.
        await WaitUntilFollowedAsync(app);
        Assert.Equal([Roles.DataScientist], await RolesAsync(client));

        // Behind the log's back (no event): the cached account still answers.
        await ExecuteAsync("UPDATE registry.users SET roles = ARRAY['auditor'] WHERE username = 'cache-carol'");
        Assert.Equal([Roles.DataScientist], await RolesAsync(client));

        // Any account event empties the cache: the table is read again.
        using var admin = app.CreateAdminClient();
        (await admin.PostAsJsonAsync("/api/v1/users", new { username = "cache-dave", displayName = "Dave", roles = new[] { Roles.Auditor } })).EnsureSuccessStatusCode();
        Assert.Equal([Roles.Auditor], await RolesAsync(client));
    }

    [Fact]
    public async Task A_token_revoked_through_another_replica_is_refused_here_as_soon_as_the_log_announces_it()
    {
        await WaitUntilLiveAsync(app);
        using var client = await app.CreateUserClientAsync("cache-erin", Roles.DataScientist);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Me)).StatusCode);
        await using var other = new Replica(app.ConnectionString);
        await other.InitializeAsync();
        using var otherAdmin = other.CreateAdminClient();
        var id = (await otherAdmin.GetFromJsonAsync<JsonElement>("/api/v1/users/cache-erin/tokens")).GetProperty("items")[0].GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await otherAdmin.PostAsync(new Uri($"/api/v1/users/cache-erin/tokens/{id}/revoke", UriKind.Relative), null)).StatusCode);

        // The NOTIFY travels through PostgreSQL to this replica's watcher: allow it a moment, not minutes.
        var status = HttpStatusCode.OK;
        for (var attempt = 0; attempt < 100 && status != HttpStatusCode.Unauthorized; attempt++)
        {
            await Task.Delay(50);
            status = (await client.GetAsync(Me)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    private static async Task WaitUntilLiveAsync(RegistryApp host)
    {
        var cache = host.Services.GetRequiredService<AccountCache>();
        for (var attempt = 0; attempt < 200 && !cache.IsLive; attempt++)
        {
            await Task.Delay(50);
        }

        Assert.True(cache.IsLive, "the account cache's watcher never started following the log");
    }

    private static async Task WaitUntilFollowedAsync(RegistryApp host)
    {
        var cache = host.Services.GetRequiredService<AccountCache>();
        var head = await host.EventCountAsync();
        for (var attempt = 0; attempt < 200 && cache.FollowedPosition < head; attempt++)
        {
            await Task.Delay(50);
        }

        Assert.True(cache.FollowedPosition >= head, $"the account cache's watcher followed the log to {cache.FollowedPosition}, not to {head}");
    }

    private static async Task<string[]> RolesAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>(Me)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)];

    private async Task ExecuteAsync(string sql)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Replica(string connectionString) : RegistryApp(connectionString);
}
