// The people of the contract's roles, created through the public API with the bootstrap admin
// token, each with a password (for the browser) and a personal access token (for HTTP tests).
using System.Net.Http.Json;
using System.Text.Json;

namespace Registry.Testing;

public sealed record Persona(string Username, string DisplayName, string Password, string Token, IReadOnlyList<string> Roles);

public static class Personas
{
    public const string Password = "correct-horse-battery-staple-42";

    /// <summary>Creates the user (roles as given) and issues a token; fails the test with the API's answer when refused.</summary>
    public static async Task<Persona> CreateAsync(this RegistryApp app, string username, string displayName, params string[] roles)
    {
        using var admin = app.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username, displayName, roles, password = Password });
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating {username} answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        }

        var issued = await admin.PostAsJsonAsync($"/api/v1/users/{username}/tokens", new { name = "tests" });
        if (!issued.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"issuing a token for {username} answered {(int)issued.StatusCode}: {await issued.Content.ReadAsStringAsync()}");
        }

        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        return new Persona(username, displayName, Password, token, roles);
    }
}
