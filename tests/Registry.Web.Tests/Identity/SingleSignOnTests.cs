using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Registry.Core.Identity;

namespace Registry.Web.Tests.Identity;

public sealed class SingleSignOnTests(SingleSignOnTests.Host app) : IClassFixture<SingleSignOnTests.Host>
{
    private const string Proxy = "10.0.0.5";

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
