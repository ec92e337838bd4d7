using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Registry.Core.Identity;
using Registry.Testing;

namespace Registry.Web.Tests.Identity;

public sealed class AccessTokenTests(IdentityApp app) : IClassFixture<IdentityApp>
{
    [Fact]
    public async Task The_bootstrap_token_acts_as_the_built_in_admin()
    {
        using var admin = app.CreateAdminClient();

        var me = await admin.GetFromJsonAsync<JsonElement>("/api/v1/me");

        Assert.Equal("admin", me.GetProperty("username").GetString());
        Assert.Equal([Roles.Admin], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_token_acts_with_its_owners_roles_and_records_when_it_was_last_used()
    {
        using var client = await app.CreateUserClientAsync("tok-roles", Roles.Approver, Roles.Compliance);

        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me");

        Assert.Equal([Roles.Approver, Roles.Compliance], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        using var admin = app.CreateAdminClient();
        var tokens = await admin.GetFromJsonAsync<JsonElement>("/api/v1/users/tok-roles/tokens");
        Assert.NotEqual(JsonValueKind.Null, tokens.GetProperty("items")[0].GetProperty("lastUsedAt").ValueKind);
    }

    [Fact]
    public async Task A_tokens_plaintext_is_never_stored_only_its_sha256()
    {
        using var admin = app.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/users", new { username = "tok-plain", displayName = "P", roles = new[] { Roles.Auditor } });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/users/tok-plain/tokens", UriKind.Relative)) { Content = JsonContent.Create(new { name = "ci" }) };
        request.Headers.Add("Idempotency-Key", "issue-tok-plain");
        var issued = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        var hash = Convert.FromHexString(Web.Identity.PersonalAccessTokens.HashHex(token));
        Assert.Empty(await StoredSecrets.TablesContainingAsync(app.DataSource, token));
        Assert.Empty(await StoredSecrets.TablesContainingAsync(app.DataSource, token[8..40]));
        await using var stored = app.DataSource.CreateCommand("SELECT count(*) FROM registry.user_tokens WHERE sha256 = $1");
        stored.Parameters.Add(new NpgsqlParameter { Value = hash });
        Assert.Equal(1L, await stored.ExecuteScalarAsync());
        await using var issuedEvent = app.DataSource.CreateCommand("SELECT count(*) FROM registry.events WHERE type = 'TokenIssued' AND data->>'sha256' = $1");
        issuedEvent.Parameters.Add(new NpgsqlParameter { Value = Convert.ToHexStringLower(hash) });
        Assert.Equal(1L, await issuedEvent.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Retrying_a_token_request_with_its_idempotency_key_cannot_show_the_token_again_and_appends_nothing()
    {
        using var admin = app.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/users", new { username = "tok-retry", displayName = "R", roles = new[] { Roles.Auditor } });
        var first = await IssueAsync(admin, "tok-retry", "retry-key");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var before = await app.EventCountAsync();

        var retry = await IssueAsync(admin, "tok-retry", "retry-key");

        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.Equal("application/problem+json", retry.Content.Headers.ContentType?.MediaType);
        var problem = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("shown once", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Idempotency-Key", problem.GetProperty("field").GetString());
        Assert.Equal(before, await app.EventCountAsync());
        var tokens = await admin.GetFromJsonAsync<JsonElement>("/api/v1/users/tok-retry/tokens");
        Assert.Equal(1, tokens.GetProperty("items").GetArrayLength());
    }

    private static async Task<HttpResponseMessage> IssueAsync(HttpClient client, string username, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/users/{username}/tokens", UriKind.Relative)) { Content = JsonContent.Create(new { name = "ci" }) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_from_the_next_request()
    {
        using var admin = app.CreateAdminClient();
        using var client = await app.CreateUserClientAsync("tok-revoked", Roles.DataScientist);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
        var id = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/users/tok-revoked/tokens")).GetProperty("items")[0].GetProperty("id").GetString();

        var revoked = await admin.PostAsync(new Uri($"/api/v1/users/tok-revoked/tokens/{id}/revoke", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var refused = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        using var admin = app.CreateAdminClient();
        await admin.PostAsJsonAsync("/api/v1/users", new { username = "tok-expired", displayName = "E", roles = new[] { Roles.Auditor } });
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(2);
        var issued = await admin.PostAsJsonAsync("/api/v1/users/tok-expired/tokens", new { name = "short", expiresAt });
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var client = app.CreateTokenClient(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);

        await Task.Delay(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task An_unknown_token_is_refused()
    {
        using var client = app.CreateTokenClient(Web.Identity.PersonalAccessTokens.Generate());

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_user_issues_tokens_for_themselves_but_not_for_anyone_else()
    {
        using var client = await app.CreateUserClientAsync("tok-self", Roles.DataScientist);
        await app.CreateUserTokenAsync("tok-other", Roles.DataScientist);

        var own = await client.PostAsJsonAsync("/api/v1/users/tok-self/tokens", new { name = "laptop" });
        var before = await app.EventCountAsync();
        var other = await client.PostAsJsonAsync("/api/v1/users/tok-other/tokens", new { name = "laptop" });

        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.StartsWith("rgt_", (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Role_changes_are_events_naming_who_made_them_and_take_effect_on_the_next_request()
    {
        using var admin = app.CreateAdminClient();
        using var client = await app.CreateUserClientAsync("tok-bob", Roles.DataScientist);

        var changed = await admin.PostAsJsonAsync("/api/v1/users/tok-bob/roles", new { grant = new[] { Roles.Approver }, revoke = new[] { Roles.DataScientist } });

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal([Roles.Approver], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await using var command = app.DataSource.CreateCommand("SELECT type, actor, data->>'grantedBy', data->>'revokedBy' FROM registry.events WHERE stream = 'user-tok-bob' AND type LIKE 'Roles%' ORDER BY position");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("RolesGranted", "admin", "admin"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("RolesRevoked", "admin", "admin"), (reader.GetString(0), reader.GetString(1), reader.GetString(3)));
    }

    [Fact]
    public async Task Token_role_and_password_failures_name_the_problem_and_append_nothing()
    {
        using var admin = app.CreateAdminClient();
        await app.CreateUserTokenAsync("tok-fail", Roles.Auditor);
        var before = await app.EventCountAsync();

        var noName = await admin.PostAsJsonAsync("/api/v1/users/tok-fail/tokens", new { name = " " });
        var past = await admin.PostAsJsonAsync("/api/v1/users/tok-fail/tokens", new { name = "late", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) });
        var sameName = await admin.PostAsJsonAsync("/api/v1/users/tok-fail/tokens", new { name = "tests" });
        var nobody = await admin.PostAsJsonAsync("/api/v1/users/tok-nobody/tokens", new { name = "x" });
        var noToken = await admin.PostAsync(new Uri("/api/v1/users/tok-fail/tokens/no-such-token/revoke", UriKind.Relative), null);
        var unknownRole = await admin.PostAsJsonAsync("/api/v1/users/tok-fail/roles", new { grant = new[] { "root" } });
        var both = await admin.PostAsJsonAsync("/api/v1/users/tok-fail/roles", new { grant = new[] { Roles.Approver }, revoke = new[] { Roles.Approver } });
        var shortPassword = await admin.PostAsJsonAsync("/api/v1/users/tok-fail/password", new { password = "short" });
        var nobodysPassword = await admin.PostAsJsonAsync("/api/v1/users/tok-nobody/password", new { password = "a long enough passphrase" });

        Assert.Equal(
            [HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.Conflict, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound],
            new[] { noName, past, sameName, nobody, noToken, unknownRole, both, shortPassword, nobodysPassword }.Select(r => r.StatusCode));
        Assert.Contains("expiry", (await past.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("root", (await unknownRole.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Creating_a_user_that_exists_is_409_and_appends_nothing()
    {
        using var admin = app.CreateAdminClient();
        await app.CreateUserTokenAsync("tok-taken", Roles.Auditor);
        var before = await app.EventCountAsync();

        var again = await admin.PostAsJsonAsync("/api/v1/users", new { username = "tok-taken", displayName = "Again", roles = new[] { Roles.Admin } });
        var invalid = await admin.PostAsJsonAsync("/api/v1/users", new { username = "Not Valid", displayName = "x" });
        var unknownRole = await admin.PostAsJsonAsync("/api/v1/users", new { username = "tok-root", displayName = "x", roles = new[] { "root" } });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownRole.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await app.EventCountAsync());
    }
}
