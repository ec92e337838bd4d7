// Every API endpoint × every role (and anonymous, and a user with no role) → 401, 403 or let through,
// generated from ONE table (Rules below) checked against the endpoints the app really maps. An
// endpoint without a row fails Every_api_endpoint_has_exactly_one_rule_naming_its_policy.
//
// ADDING YOUR ENDPOINT: add one line to Rules with the HTTP method, the route pattern exactly as
// mapped (e.g. "/api/v1/models/{name}/versions/{v}"), and the Permissions policy the endpoint
// requires (null for anonymous). Placeholders are filled from RouteValues (add yours there); give
// a Body for writes so the handler is reached. The roles each policy admits come from
// Permissions.RolesByPolicy, never from this file: the table says WHICH policy, not WHO.
//
// "Let through" means neither 401 nor 403 and no 5xx but 503: the sample route values may name
// nothing, so a 404 or 409 from the handler still proves the request got past authorization (and a
// 503 that a dependency such as Chromium is missing).
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Registry.Core.Identity;
using Registry.Testing;
using Registry.Web.Identity;

namespace Registry.Web.Tests.Identity;

public sealed partial class AuthorizationMatrixTests(AuthorizationMatrixTests.Host app) : IClassFixture<AuthorizationMatrixTests.Host>
{
    /// <summary>One endpoint: its method, route pattern, policy; optionally a body for writes and a query (e.g. one that makes a slow export answer 400 at once).</summary>
    public sealed record Rule(string Method, string Pattern, string? Policy, Func<int, object?>? Body = null, string? Query = null);

    private static int _unique;

    public static readonly Rule[] Rules =
    [
        // Identity (Features/Users/UsersApi.cs)
        new("GET", "/api/v1/me", Permissions.SignedIn),
        new("POST", "/api/v1/users", Permissions.ManageUsers, n => new { username = $"matrix-new-{n}", displayName = "New", roles = Array.Empty<string>() }),
        new("GET", "/api/v1/users", Permissions.ReviewAccess),
        new("GET", "/api/v1/users/{username}", Permissions.ReviewAccess),
        new("GET", "/api/v1/users/{username}/sign-ins", Permissions.ReviewAccess),
        new("POST", "/api/v1/users/{username}/roles", Permissions.ManageUsers, _ => new { grant = new[] { Roles.Auditor }, revoke = Array.Empty<string>() }),
        new("POST", "/api/v1/users/{username}/password", Permissions.ManageUsers, n => new { password = $"a long enough password {n}" }),
        new("POST", "/api/v1/users/{username}/unlock", Permissions.ManageUsers),
        new("POST", "/api/v1/users/{username}/tokens", Permissions.ManageTokens, n => new { name = $"matrix-{n}" }),
        new("GET", "/api/v1/users/{username}/tokens", Permissions.ManageTokens),
        new("POST", "/api/v1/users/{username}/tokens/{id}/revoke", Permissions.ManageTokens),

        // Models, versions, approvals (Features/Models, Versions, Approvals)
        new("POST", "/api/v1/models", Permissions.ManageModels, n => new { name = $"matrix-m-{n}", riskTier = "low" }),
        new("GET", "/api/v1/models", Permissions.Read),
        new("GET", "/api/v1/models/{name}", Permissions.Read),
        new("PATCH", "/api/v1/models/{name}", Permissions.ManageModels, _ => new { description = "changed" }),
        new("POST", "/api/v1/models/{name}/versions", Permissions.RegisterVersions),
        new("GET", "/api/v1/models/{name}/versions", Permissions.Read),
        new("GET", "/api/v1/models/{name}/versions/{version:int}", Permissions.Read),
        new("POST", "/api/v1/models/{name}/versions/{version:int}/submit", Permissions.RegisterVersions),
        new("POST", "/api/v1/models/{name}/versions/{version:int}/approvals", Permissions.Approve, _ => new { decision = "approve", comment = "ok" }),
        new("GET", "/api/v1/approvals/pending", Permissions.Read),

        // Deployments and rollbacks (Features/Deployments, Rollbacks)
        new("POST", "/api/v1/models/{name}/deployments", Permissions.Deploy, _ => new { version = 1, environment = "staging" }),
        new("GET", "/api/v1/models/{name}/deployments", Permissions.Read),
        new("GET", "/api/v1/models/{name}/deployments/current", Permissions.Read),
        new("POST", "/api/v1/models/{name}/rollback-requests", Permissions.RequestRollback, _ => new { environment = "production", reason = "matrix" }),
        new("GET", "/api/v1/models/{name}/rollback-requests", Permissions.Read),
        new("GET", "/api/v1/rollback-requests/{id}", Permissions.Read),
        new("POST", "/api/v1/rollback-requests/{id}/approve", Permissions.DecideRollback, _ => new { comment = "ok" }),
        new("POST", "/api/v1/rollback-requests/{id}/reject", Permissions.DecideRollback, _ => new { comment = "no" }),

        // Reading the history (Features/Diff, Lineage, Datasets, Audit)
        new("GET", "/api/v1/models/{name}/diff", Permissions.Read),
        new("GET", "/api/v1/models/{name}/versions/{version:int}/lineage", Permissions.Read),
        new("GET", "/api/v1/datasets/{sha256}/usages", Permissions.Read),
        new("GET", "/api/v1/events", Permissions.Read),

        // Evidence and reports (Features/Evidence, Reports)
        new("GET", "/api/v1/models/{name}/evidence", Permissions.ExportEvidence),
        new("GET", "/api/v1/evidence", Permissions.ExportEvidence, Query: "?from=not-a-time"),
        new("GET", "/api/v1/models/{name}/report.pdf", Permissions.ExportEvidence),
        new("GET", "/api/v1/reports/activity.pdf", Permissions.ExportEvidence, Query: "?from=not-a-time"),
        new("GET", "/api/v1/reports/access.pdf", Permissions.ReviewAccess),

        // Integrity (Features/Integrity/IntegrityApi.cs)
        new("GET", "/api/v1/integrity/checkpoint", Permissions.Read),
        new("POST", "/api/v1/integrity/checkpoints", Permissions.SignCheckpoint),
        new("GET", "/api/v1/integrity/proofs/inclusion", Permissions.Read),
        new("GET", "/api/v1/integrity/proofs/consistency", Permissions.Read),
        new("GET", "/api/v1/integrity/verify", Permissions.VerifyIntegrity),

        // Webhooks (Features/Webhooks)
        new("POST", "/api/v1/webhooks", Permissions.ManageWebhooks, n => new { url = $"https://hooks.example.com/{n}" }),
        new("GET", "/api/v1/webhooks", Permissions.ManageWebhooks),
        new("DELETE", "/api/v1/webhooks/{id:guid}", Permissions.ManageWebhooks),
        new("GET", "/api/v1/webhooks/{id:guid}/deliveries", Permissions.ManageWebhooks),
    ];

    /// <summary>What each route placeholder becomes. "{username}" is a user other than the caller.</summary>
    public static readonly IReadOnlyDictionary<string, string> RouteValues = new Dictionary<string, string>
    {
        ["username"] = Host.Target,
        ["id"] = "00000000-0000-0000-0000-000000000000",
        ["name"] = "matrix-model",
        ["version"] = "1",
        ["sha256"] = new string('0', 64),
    };

    [Fact]
    public void Every_api_endpoint_has_exactly_one_rule_naming_its_policy()
    {
        var problems = new List<string>();
        var mapped = ApiEndpoints().ToList();
        foreach (var (method, pattern, endpoint) in mapped)
        {
            var rules = Rules.Where(r => r.Method == method && r.Pattern == pattern).ToList();
            if (rules.Count != 1)
            {
                problems.Add($"{method} {pattern}: {rules.Count} rules in AuthorizationMatrixTests.Rules (add exactly one)");
                continue;
            }

            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var declared = anonymous ? null : policies.SingleOrDefault();
            if (!anonymous && policies.Count != 1)
            {
                problems.Add($"{method} {pattern}: requires {policies.Count} policies; an API endpoint names exactly one Permissions policy or is anonymous");
            }
            else if (declared != rules[0].Policy)
            {
                problems.Add($"{method} {pattern}: the endpoint requires '{declared ?? "anonymous"}', the table says '{rules[0].Policy ?? "anonymous"}'");
            }

            if (declared is not null && !Permissions.RolesByPolicy.ContainsKey(declared))
            {
                problems.Add($"{method} {pattern}: '{declared}' is not a Permissions policy");
            }
        }

        foreach (var rule in Rules.Where(r => !mapped.Any(m => m.Method == r.Method && m.Pattern == r.Pattern)))
        {
            problems.Add($"{rule.Method} {rule.Pattern}: a rule for an endpoint the app does not map (remove it)");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task Every_api_endpoint_answers_each_role_as_its_permission_says()
    {
        var mapped = ApiEndpoints().Select(e => (e.Method, e.Pattern)).ToHashSet();
        var problems = new List<string>();
        var callers = new List<(string Name, HttpClient Client, string[] Roles)> { ("anonymous", app.CreateClient(), []) };
        callers.AddRange(app.Tokens.Select(t => (t.Key, app.CreateTokenClient(t.Value.Token), t.Value.Roles)));
        var calls = (
            from rule in Rules.Where(r => mapped.Contains((r.Method, r.Pattern)))
            from caller in callers
            select (Rule: rule, Caller: caller, Expected: Expected(rule.Policy, caller.Name == "anonymous", caller.Roles))).ToList();

        // Every refusal first, in one sweep: a 401 or 403 must append nothing.
        var before = await app.EventCountAsync();
        foreach (var (rule, (name, client, _), expected) in calls.Where(c => c.Expected != HttpStatusCode.OK))
        {
            var status = await SendAsync(client, rule);
            if (status != expected)
            {
                problems.Add($"{rule.Method} {rule.Pattern} as {name}: {(int)status}, expected {(int)expected}");
            }
        }

        var appendedByRefusals = await app.EventCountAsync() - before;
        foreach (var (rule, (name, client, _), _) in calls.Where(c => c.Expected == HttpStatusCode.OK))
        {
            var status = await SendAsync(client, rule);
            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || ((int)status >= 500 && status != HttpStatusCode.ServiceUnavailable))
            {
                problems.Add($"{rule.Method} {rule.Pattern} as {name}: {(int)status}, expected let through");
            }
        }

        foreach (var (_, client, _) in callers)
        {
            client.Dispose();
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal(0L, appendedByRefusals);
    }

    /// <summary>
    /// Portal pages name their policy with <c>@attribute [Authorize(Policy = Permissions.X)]</c> (or
    /// <c>[AllowAnonymous]</c> for sign-in and error pages), so a page and the API it mirrors agree.
    /// </summary>
    [Fact]
    public void Every_portal_page_names_a_permission_or_is_explicitly_anonymous()
    {
        var problems = new List<string>();
        foreach (var page in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                     .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null))
        {
            var anonymous = page.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = page.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            if (!anonymous && (policies.Count == 0 || policies.Any(p => p is null || !Permissions.RolesByPolicy.ContainsKey(p))))
            {
                problems.Add($"{page.RoutePattern.RawText}: add @attribute [Authorize(Policy = Permissions.X)] or [AllowAnonymous]");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Distinct()));
    }

    [Fact]
    public async Task A_refusal_is_a_problem_document_not_a_redirect()
    {
        using var anonymous = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var auditor = app.CreateTokenClient(app.Tokens["matrix-auditor"].Token);

        var unauthenticated = await anonymous.PostAsJsonAsync("/api/v1/users", new { username = "x", displayName = "x" });
        var forbidden = await auditor.PostAsJsonAsync("/api/v1/users", new { username = "x", displayName = "x" });

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal("application/problem+json", unauthenticated.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", unauthenticated.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync());
        Assert.Contains("matrix-auditor", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static HttpStatusCode Expected(string? policy, bool anonymous, string[] roles) => (policy, anonymous) switch
    {
        (null, _) => HttpStatusCode.OK,
        (_, true) => HttpStatusCode.Unauthorized,
        (Permissions.SignedIn, false) => HttpStatusCode.OK,
        _ => Permissions.Allows(policy, roles) ? HttpStatusCode.OK : HttpStatusCode.Forbidden,
    };

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, Rule rule)
    {
        var path = Placeholder().Replace(rule.Pattern, m => RouteValues.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"No sample value for {{{m.Groups[1].Value}}} in AuthorizationMatrixTests.RouteValues."));

        using var request = new HttpRequestMessage(new HttpMethod(rule.Method), new Uri(path + rule.Query, UriKind.Relative));
        if (rule.Body is not null || rule.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = JsonContent.Create(rule.Body?.Invoke(Interlocked.Increment(ref _unique)) ?? new { });
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private IEnumerable<(string Method, string Pattern, RouteEndpoint Endpoint)> ApiEndpoints() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e.RoutePattern.RawText!.TrimEnd('/'), e)));

    [System.Text.RegularExpressions.GeneratedRegex(@"\{(\w+)(:[^}]*)?\}")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();

    /// <summary>The registry with one user per role, one with no role, and the target user the rows act on.</summary>
    public sealed class Host : RegistryApp
    {
        public const string Target = "matrix-target";

        public Dictionary<string, (string Token, string[] Roles)> Tokens { get; } = [];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            foreach (var role in Roles.All)
            {
                Tokens[$"matrix-{role}"] = (await this.CreateUserTokenAsync($"matrix-{role}", role), [role]);
            }

            Tokens["matrix-no-role"] = (await this.CreateUserTokenAsync("matrix-no-role"), []);
            await this.CreateUserTokenAsync(Target, Roles.DataScientist);
        }
    }
}
