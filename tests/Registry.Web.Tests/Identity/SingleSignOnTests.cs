using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Registry.Core.Identity;
using Registry.Testing;

namespace Registry.Web.Tests.Identity;

public sealed class SingleSignOnTests(SingleSignOnTests.Host app) : IClassFixture<SingleSignOnTests.Host>
{
    private const string Proxy = "10.0.0.5";
    private const string LocalPassword = "correct horse battery staple";

    // The cookie's Secure attribute (not "secure" inside another attribute's value).
    private const string SecureAttribute = "(?i);\\s*secure\\s*(;|$)";

    public sealed class Host : IdentityApp
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["Registry:Sso:KnownProxies:0"] = Proxy,
            ["Registry:Sso:KnownNetworks:0"] = "10.1.0.0/16",
            ["Registry:Sso:EmailDomains:0"] = "example.com",
            ["Registry:Sso:AzureAppService"] = "true",
            ["Registry:Sso:GroupRoles:ml-approvers:0"] = Roles.Approver,
            ["Registry:Sso:GroupRoles:ml-auditors:0"] = Roles.Auditor,
        };
    }

    [Fact]
    public async Task Headers_from_a_trusted_proxy_sign_the_user_in_with_roles_mapped_from_groups()
    {
        using var client = app.CreateClient();

        var me = await SendAsync(client, Proxy, ("X-Forwarded-Preferred-Username", "sso-anna@example.com"), ("X-Forwarded-Groups", "ml-approvers,unrelated"));

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sso-anna", body.GetProperty("username").GetString());
        Assert.Equal([Roles.Approver], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task The_first_single_sign_on_creates_the_account_in_the_log_once()
    {
        using var client = app.CreateClient();

        await SendAsync(client, "10.1.2.3", ("X-Forwarded-Preferred-Username", "sso-ben"), ("X-Forwarded-Email", "ben@example.com"));
        await SendAsync(client, "10.1.2.3", ("X-Forwarded-Preferred-Username", "sso-ben"));

        await using var command = app.DataSource.CreateCommand("SELECT count(*), min(data->>'source') FROM registry.events WHERE stream = 'user-sso-ben' AND type = 'UserCreated'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((1L, AccountSources.SingleSignOn), (reader.GetInt64(0), reader.GetString(1)));
    }

    [Fact]
    public async Task Proxy_headers_from_an_untrusted_address_are_ignored()
    {
        using var client = app.CreateClient();
        var before = await app.EventCountAsync();

        var me = await SendAsync(client, "192.0.2.66", ("X-Forwarded-Preferred-Username", "admin"), ("X-Forwarded-Groups", "ml-approvers"));
        var azure = await SendAsync(client, "192.0.2.66", ("X-MS-CLIENT-PRINCIPAL", AzurePrincipal("admin", "ml-auditors")));

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, azure.StatusCode);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Azure_app_service_client_principal_is_read_from_a_trusted_proxy()
    {
        using var client = app.CreateClient();

        var me = await SendAsync(client, Proxy, ("X-MS-CLIENT-PRINCIPAL", AzurePrincipal("sso-cleo@example.com", "ml-auditors")));

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sso-cleo", body.GetProperty("username").GetString());
        Assert.Equal([Roles.Auditor], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_username_from_a_domain_not_configured_is_refused()
    {
        using var client = app.CreateClient();

        var me = await SendAsync(client, Proxy, ("X-Forwarded-Preferred-Username", "mallory@elsewhere.org"), ("X-Forwarded-Groups", "ml-approvers"));

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task A_proxy_user_without_a_mapped_group_is_signed_in_but_may_do_nothing()
    {
        using var client = app.CreateClient();

        var me = await SendAsync(client, Proxy, ("X-Forwarded-Preferred-Username", "sso-dora"));
        var users = await SendAsync(client, Proxy, ("X-Forwarded-Preferred-Username", "sso-dora"), path: "/api/v1/users");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
    }

    [Fact]
    public async Task A_single_sign_on_is_recorded_once_for_requests_in_a_row_not_on_every_request()
    {
        using var client = app.CreateClient();

        var first = await SendAsync(client, Proxy, ("X-Forwarded-Preferred-Username", "sso-erin"), ("X-Forwarded-For", "203.0.113.20"));
        var second = await SendAsync(client, Proxy, ("X-Forwarded-Preferred-Username", "sso-erin"), ("X-Forwarded-For", "203.0.113.20"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(1L, await app.CountAsync($"stream = 'user-sso-erin' AND type = 'SignedIn' AND data->>'method' = '{SignInMethods.SingleSignOn}'"));
        await using var signIns = app.DataSource.CreateCommand("SELECT count(*), min(ip) FROM registry.sign_ins WHERE username = 'sso-erin' AND succeeded AND method = $1");
        signIns.Parameters.Add(new Npgsql.NpgsqlParameter { Value = SignInMethods.SingleSignOn });
        await using var reader = await signIns.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((1L, "203.0.113.20"), (reader.GetInt64(0), reader.GetString(1)));
    }

    [Fact]
    public async Task Single_sign_on_headers_from_an_untrusted_address_record_no_sign_in()
    {
        using var admin = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/users", new { username = "sso-gus", displayName = "Gus", roles = new[] { Roles.Auditor } })).StatusCode);
        using var client = app.CreateClient();
        var before = await app.EventCountAsync();

        var me = await SendAsync(client, "192.0.2.66", ("X-Forwarded-Preferred-Username", "sso-gus"));
        var again = await SendAsync(client, "192.0.2.66", ("X-Forwarded-Preferred-Username", "sso-gus"));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (me.StatusCode, again.StatusCode));
        Assert.Equal(0L, await app.CountAsync("stream = 'user-sso-gus' AND type = 'SignedIn'"));
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Behind_a_trusted_tls_terminating_proxy_the_sign_in_cookie_is_secure_and_the_client_address_is_the_forwarded_one()
    {
        await CreateLocalUserAsync("sso-hal");
        using var browser = new PortalSession(app.CreateDefaultClient(new ForwardedBy(Proxy, "https", "203.0.113.30"), new CookieContainerHandler()));

        var signedIn = await browser.SignInAsync("sso-hal", LocalPassword);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Matches(SecureAttribute, AuthCookie(signedIn));
        Assert.Equal("203.0.113.30", await SignInAddressAsync("sso-hal"));
    }

    [Fact]
    public async Task Forwarded_proto_and_address_from_an_untrusted_address_are_ignored()
    {
        await CreateLocalUserAsync("sso-ida");
        using var browser = new PortalSession(app.CreateDefaultClient(new ForwardedBy("192.0.2.66", "https", "203.0.113.31"), new CookieContainerHandler()));

        var signedIn = await browser.SignInAsync("sso-ida", LocalPassword);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.DoesNotMatch(SecureAttribute, AuthCookie(signedIn));
        Assert.Equal("192.0.2.66", await SignInAddressAsync("sso-ida"));
    }

    private async Task CreateLocalUserAsync(string username)
    {
        using var admin = app.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username, displayName = username, roles = new[] { Roles.Auditor }, password = LocalPassword });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private static string AuthCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("registry.auth=", StringComparison.Ordinal));

    private async Task<string?> SignInAddressAsync(string username)
    {
        await using var command = app.DataSource.CreateCommand("SELECT ip FROM registry.sign_ins WHERE username = $1 AND succeeded");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = username });
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>What a reverse proxy adds to every request it passes on; the peer is the proxy's address.</summary>
    private sealed class ForwardedBy(string peer, string proto, string client) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add(IdentityApp.PeerHeader, peer);
            request.Headers.Add("X-Forwarded-Proto", proto);
            request.Headers.Add("X-Forwarded-For", client);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static string AzurePrincipal(string name, string group) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        auth_typ = "aad",
        name_typ = "preferred_username",
        role_typ = "roles",
        claims = new[] { new { typ = "preferred_username", val = name }, new { typ = "groups", val = group } },
    })));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string peer, params (string Name, string Value)[] headers) =>
        await SendAsync(client, peer, headers, "/api/v1/me");

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string peer, (string Name, string Value) header, string path) =>
        await SendAsync(client, peer, [header], path);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string peer, (string Name, string Value)[] headers, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add(IdentityApp.PeerHeader, peer);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await client.SendAsync(request);
    }
}
