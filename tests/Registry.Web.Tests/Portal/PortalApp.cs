// A registry host with one person per role, each with an API token, and a small browser over
// HttpClient that reads pages with AngleSharp and submits their forms (antiforgery included).
// Data is set up through the JSON API, as users and the CLI would.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Registry.Testing;

namespace Registry.Web.Tests.Portal;

public class PortalApp : RegistryApp
{
    /// <summary>username → (display name, roles). "ds-approver" holds both roles, to test separation of duties.</summary>
    public static readonly IReadOnlyDictionary<string, (string DisplayName, string[] Roles)> People = new Dictionary<string, (string, string[])>
    {
        ["zoe"] = ("Zoë Ångström-Łukasz", ["data-scientist"]),
        ["hanako"] = ("山田 花子", ["data-scientist"]),
        ["olga"] = ("Ольга Петрова", ["approver"]),
        ["diego"] = ("Diego Fernández", ["approver"]),
        ["amara"] = ("Amara Okafor", ["compliance"]),
        ["priya"] = ("प्रिया शर्मा", ["auditor"]),
        ["kwame"] = ("Kwame Mensah", ["admin"]),
        ["sam"] = ("Sam Both-Roles", ["data-scientist", "approver"]),
    };

    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var (username, (displayName, roles)) in People)
        {
            await AddPersonAsync(username, displayName, roles);
        }
    }

    /// <summary>Creates an account through the users API and keeps a token for it.</summary>
    public async Task AddPersonAsync(string username, string displayName, params string[] roles)
    {
        using var admin = CreateAdminClient();
        (await admin.PostAsJsonAsync("/api/v1/users", new { username, displayName, roles })).EnsureSuccessStatusCode();
        var issued = await admin.PostAsJsonAsync($"/api/v1/users/{username}/tokens", new { name = "tests" });
        issued.EnsureSuccessStatusCode();
        _tokens[username] = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>A client acting as <paramref name="username"/> (bearer token; cookies kept for antiforgery).</summary>
    public HttpClient As(string username) => CreateTokenClient(_tokens[username]);

    public Browser BrowserFor(string username) => new(As(username));

    /// <summary>POSTs JSON as <paramref name="username"/> and fails the test on anything but 2xx.</summary>
    public async Task<JsonElement> ApiAsync(string username, string path, object body)
    {
        using var client = As(username);
        var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} as {username}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task CreateModelAsync(string name, string riskTier = "medium", string owner = "zoe", string by = "zoe", string? description = null) =>
        ApiAsync(by, "/api/v1/models", new
        {
            name,
            riskTier,
            owner,
            description = description ?? $"{name}: predicts things",
            intendedUse = "Ranking customers for retention calls",
            restrictions = "Not for credit decisions",
        });

    /// <summary>Registers a version; <paramref name="customise"/> edits the request body before it is sent.</summary>
    public async Task<int> RegisterAsync(string model, string by = "zoe", Action<JsonObject>? customise = null)
    {
        var body = new JsonObject
        {
            ["artifact"] = new JsonObject { ["uri"] = $"s3://models/{model}/model.bin", ["sha256"] = Hash($"artifact-{model}-{Guid.NewGuid()}"), ["sizeBytes"] = 1_234_567 },
            ["datasets"] = new JsonArray(
                new JsonObject { ["name"] = "customers", ["role"] = "training", ["uri"] = "s3://data/customers.parquet", ["sha256"] = Hash("customers"), ["rows"] = 10_000 },
                new JsonObject { ["name"] = "holdout", ["role"] = "test", ["sha256"] = Hash("holdout"), ["rows"] = 2_000 }),
            ["dependencies"] = new JsonArray(
                new JsonObject { ["ecosystem"] = "pypi", ["name"] = "xgboost", ["version"] = "1.7.6" },
                new JsonObject { ["ecosystem"] = "pypi", ["name"] = "pandas", ["version"] = "2.1.4" }),
            ["parameters"] = new JsonObject { ["max_depth"] = 6, ["objective"] = "binary:logistic" },
            ["metrics"] = new JsonObject { ["auc"] = 0.86, ["logloss"] = 0.38 },
            ["source"] = new JsonObject { ["repository"] = "https://git.example.org/ml/churn", ["commit"] = Hash("commit")[..40] },
            ["notes"] = "Baseline model.\nThreshold 0.42.",
        };
        customise?.Invoke(body);
        var created = await ApiAsync(by, $"/api/v1/models/{model}/versions", body);
        return created.GetProperty("version").GetInt32();
    }

    public Task SubmitAsync(string model, int version, string by = "zoe") => ApiAsync(by, $"/api/v1/models/{model}/versions/{version}/submit", new { });

    public Task DecideAsync(string model, int version, string by, string decision = "approve", string comment = "Reviewed the validation report.") =>
        ApiAsync(by, $"/api/v1/models/{model}/versions/{version}/approvals", new { decision, comment });

    public Task DeployAsync(string model, int version, string environment, string by = "olga", string? rollbackRequestId = null) =>
        ApiAsync(by, $"/api/v1/models/{model}/deployments", new { version, environment, reference = "CHG-1", rollbackRequestId });

    /// <summary>Registers, submits and approves a version (medium risk: one approver).</summary>
    public async Task<int> ApprovedVersionAsync(string model, Action<JsonObject>? customise = null)
    {
        var version = await RegisterAsync(model, customise: customise);
        await SubmitAsync(model, version);
        await DecideAsync(model, version, "olga");
        return version;
    }

    public static string Hash(string seed) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed)));
}

/// <summary>A page as a browser got it: status, final address and parsed document.</summary>
public sealed record Page(HttpStatusCode Status, Uri Address, IHtmlDocument Document)
{
    public string Text => Document.Body?.TextContent ?? "";

    public AngleSharp.Dom.IElement? One(string selector) => Document.QuerySelector(selector);

    public IReadOnlyList<AngleSharp.Dom.IElement> All(string selector) => [.. Document.QuerySelectorAll(selector)];
}

public sealed class Browser(HttpClient client) : IDisposable
{
    private static readonly HtmlParser Parser = new();

    public async Task<Page> GetAsync(string url)
    {
        var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        return await FollowAsync(response, new Uri(client.BaseAddress!, url));
    }

    /// <summary>Fills the form matched by <paramref name="formSelector"/> with its own fields plus <paramref name="values"/>, and submits it as a browser would.</summary>
    public async Task<Page> SubmitAsync(Page page, string formSelector, IReadOnlyDictionary<string, string>? values = null, (string Name, string Value)? submitter = null)
    {
        var form = page.Document.QuerySelector(formSelector) as IHtmlFormElement ?? throw new InvalidOperationException($"no form '{formSelector}' on {page.Address}");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement { Name.Length: > 0 } input when input.Type is not ("submit" or "button" or "checkbox" or "radio") || input.IsChecked:
                    if (input.Type is not ("submit" or "button"))
                    {
                        fields.Add(new(input.Name!, input.Value));
                    }

                    break;
                case IHtmlTextAreaElement { Name.Length: > 0 } area:
                    fields.Add(new(area.Name!, area.Value));
                    break;
                case IHtmlSelectElement { Name.Length: > 0 } select:
                    fields.Add(new(select.Name!, select.Value ?? ""));
                    break;
            }
        }

        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            fields.RemoveAll(f => f.Key == name);
            fields.Add(new(name, value));
        }

        if (submitter is { } s)
        {
            fields.Add(new(s.Name, s.Value));
        }

        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? page.Address : new Uri(page.Address, form.GetAttribute("action")!);
        if (string.Equals(form.Method, "get", StringComparison.OrdinalIgnoreCase))
        {
            var query = string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));
            return await GetAsync(action.AbsolutePath + "?" + query);
        }

        using var content = new FormUrlEncodedContent(fields);
        var response = await client.PostAsync(action, content);
        return await FollowAsync(response, action);
    }

    private async Task<Page> FollowAsync(HttpResponseMessage response, Uri address)
    {
        for (var hops = 0; hops < 5 && (int)response.StatusCode is 301 or 302 or 303 or 307 && response.Headers.Location is { } location; hops++)
        {
            address = location.IsAbsoluteUri ? location : new Uri(address, location);
            if (address.AbsolutePath.StartsWith("/account/", StringComparison.Ordinal))
            {
                // Sign-in and access-denied redirects are the answer; do not follow them into other features.
                break;
            }

            response.Dispose();
            response = await client.GetAsync(address);
        }

        using (response)
        {
            var html = await response.Content.ReadAsStringAsync();
            var status = response.StatusCode;
            if ((int)status is 301 or 302 or 303 or 307)
            {
                return new Page(status, response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(address, l)) : address, Parser.ParseDocument(html));
            }

            return new Page(status, address, Parser.ParseDocument(html));
        }
    }

    public void Dispose() => client.Dispose();
}
