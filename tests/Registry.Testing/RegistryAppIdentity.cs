// Users with roles and tokens for tests, created through the API as an administrator would.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Registry.Testing;

public static class RegistryAppIdentity
{
    /// <summary>Creates <paramref name="username"/> with <paramref name="roles"/> and returns a personal access token for them.</summary>
    public static async Task<string> CreateUserTokenAsync(this RegistryApp app, string username, params string[] roles)
    {
        using var admin = app.CreateAdminClient();
        var created = await admin.PostAsJsonAsync($"/api/v1/users", new { username, displayName = username, roles });
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating {username} answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        }

        var issued = await admin.PostAsJsonAsync($"/api/v1/users/{username}/tokens", new { name = "tests" });
        if (issued.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Issuing a token for {username} answered {(int)issued.StatusCode}: {await issued.Content.ReadAsStringAsync()}");
        }

        using var body = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>A client authenticated as a new user holding <paramref name="roles"/> (e.g. <c>Roles.Approver</c>).</summary>
    public static async Task<HttpClient> CreateUserClientAsync(this RegistryApp app, string username, params string[] roles) =>
        app.CreateTokenClient(await app.CreateUserTokenAsync(username, roles));
}
