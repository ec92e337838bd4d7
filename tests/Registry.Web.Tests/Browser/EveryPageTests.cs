using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Testing;
using Registry.Testing.Browser;

namespace Registry.Web.Tests.Browser;

/// <summary>
/// Every page of the portal, as the role that uses it sees it, in the system Chromium: axe-core finds no
/// serious or critical violation, nothing is wider than a 375 px screen, and a screenshot of each is kept
/// (test-results/screenshots/every-page). One signed-in browser context per role, reused page after page;
/// every problem of every page is collected and reported together. A page several roles share is visited
/// once, as the role that sees the most of it.
/// </summary>
[Collection(BrowserTests.Collection)]
public sealed class EveryPageTests(EveryPageTests.Portal portal) : IClassFixture<EveryPageTests.Portal>
{
    private const string Model = "sweep-model";

    public sealed class Portal : PortalBrowser
    {
        public Persona Scientist { get; private set; } = null!;
        public Persona Approver { get; private set; } = null!;
        public Persona Compliance { get; private set; } = null!;
        public Persona Auditor { get; private set; } = null!;
        public Persona Admin { get; private set; } = null!;

        public string RollbackId { get; private set; } = "";

        /// <summary>A time after the model was created, for the "as of" view (one-second precision, rounded up).</summary>
        public string AsOf { get; private set; } = "";

        public static string TrainingSha => new('a', 64);

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Scientist = await this.CreateAsync("dana", "Dana Okafor", "data-scientist");
            Approver = await this.CreateAsync("ivan", "Ivan Petrov · Иван Петров", "approver");
            Compliance = await this.CreateAsync("carla", "Carla Méndez", "compliance");
            Auditor = await this.CreateAsync("audra", "Audra 山田", "auditor");
            Admin = await this.CreateAsync("ada", "Ada Admin", "admin");

            // v1 and v2 approved and deployed (so a rollback to v1 can be requested), v3 waiting for a decision.
            await PostAsync(Scientist, "/api/v1/models", new { name = Model, riskTier = "medium", owner = "dana", description = "Used by the page sweep.", intendedUse = "Ranking.", restrictions = "None." });
            for (var v = 1; v <= 3; v++)
            {
                await PostAsync(Scientist, $"/api/v1/models/{Model}/versions", VersionBody(v));
                await PostAsync(Scientist, $"/api/v1/models/{Model}/versions/{v}/submit", new { });
                if (v < 3)
                {
                    await PostAsync(Approver, $"/api/v1/models/{Model}/versions/{v}/approvals", new { decision = "approve", comment = "Reviewed." });
                    await PostAsync(Approver, $"/api/v1/models/{Model}/deployments", new { version = v, environment = "production", reference = "CHG-7" });
                }
            }

            AsOf = DateTimeOffset.UtcNow.AddSeconds(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            var requested = await PostAsync(Scientist, $"/api/v1/models/{Model}/rollback-requests", new { environment = "production", reason = "Scores drifted after the release." });
            RollbackId = requested.GetProperty("id").GetString()!;
            await PostAsync(Admin, "/api/v1/integrity/checkpoints", new { });
            using var auditor = CreateTokenClient(Auditor.Token);
            (await auditor.GetAsync(new Uri("/api/v1/integrity/verify", UriKind.Relative))).EnsureSuccessStatusCode();
        }

        private async Task<JsonElement> PostAsync(Persona who, string path, object body)
        {
            using var client = CreateTokenClient(who.Token);
            var response = await client.PostAsJsonAsync(path, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"POST {path} as {who.Username}: {(int)response.StatusCode} {text}");
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        private static JsonObject VersionBody(int v) => new()
        {
            ["artifact"] = new JsonObject { ["uri"] = $"s3://models/{Model}-{v}.onnx", ["sha256"] = new string((char)('a' + v), 64), ["sizeBytes"] = 1_000_000 },
            ["datasets"] = new JsonArray(new JsonObject { ["name"] = "customers.parquet", ["role"] = "training", ["sha256"] = TrainingSha, ["rows"] = 10_000 }),
            ["dependencies"] = new JsonArray(
                new JsonObject { ["ecosystem"] = "pypi", ["name"] = "scikit-learn", ["version"] = $"1.{3 + v}.0" },
                v == 1 ? new JsonObject { ["ecosystem"] = "pypi", ["name"] = "shap", ["version"] = "0.44.1" } : new JsonObject { ["ecosystem"] = "pypi", ["name"] = "pandas", ["version"] = "2.2.3" }),
            ["parameters"] = new JsonObject { ["max_depth"] = 4 + v },
            ["metrics"] = new JsonObject { ["auc"] = 0.80 + (v / 100.0), ["logloss"] = 0.40 - (v / 100.0) },
            ["source"] = new JsonObject { ["repository"] = "https://git.example/ml/sweep", ["commit"] = "9f2c4e1" },
            ["parentVersion"] = v == 1 ? null : v - 1,
            ["notes"] = $"Release {v}.",
        };
    }

    /// <summary>A page to visit: its URL, the status it answers, and an element to wait for when JavaScript draws part of it.</summary>
    private sealed record Visit(string Url, HttpStatusCode Status = HttpStatusCode.OK, string? Ready = null);

    [Fact]
    public async Task Every_page_passes_axe_fits_a_375_pixel_screen_and_is_captured()
    {
        var lineage = "figure[data-lineage-rendered=true]";
        var rollback = $"/models/{Model}/rollbacks/{portal.RollbackId}";
        var sweep = new (Persona? Who, string Name, Visit[] Pages)[]
        {
            (null, "anonymous", [new("/account/sign-in"), new("/error"), new("/no-such-page", HttpStatusCode.NotFound)]),
            (portal.Scientist, "data-scientist",
            [
                new("/"), new("/models?status=approved"), new($"/models/{Model}"), new($"/models/{Model}/versions/3"),
                new($"/models/{Model}/diff?from=1&to=3"), new($"/models/{Model}/versions/3/lineage", Ready: lineage), new($"/datasets/{Portal.TrainingSha}", Ready: lineage),
                new($"/models/{Model}/rollback?environment=production"), new(rollback), new("/audit"), new("/integrity/proofs/2"),
                new("/account/tokens"), new("/account/password"),
            ]),
            (portal.Approver, "approver", [new("/"), new("/approvals"), new($"/models/{Model}/versions/3"), new(rollback)]),
            (portal.Compliance, "compliance", [new("/"), new("/approvals"), new($"/models/{Model}?asOf={portal.AsOf}"), new($"/models/{Model}/versions/1?asOf={portal.AsOf}")]),
            (portal.Auditor, "auditor", [new("/"), new("/integrity"), new("/reports")]),
            (portal.Admin, "admin", [new("/"), new("/admin"), new("/admin/users/dana")]),
        };

        var problems = new StringBuilder();
        var visited = 0;
        foreach (var (who, name, pages) in sweep)
        {
            var page = who is null ? await portal.NewPageAsync() : await portal.SignedInPageAsync(who);
            try
            {
                foreach (var visit in pages)
                {
                    // Screenshot names stay the same from run to run: no request id or time in them.
                    var shot = $"{name}{Slug(visit.Url.Replace(portal.RollbackId, "request", StringComparison.Ordinal).Replace(portal.AsOf, "", StringComparison.Ordinal))}";
                    await CheckAsync(page, name, visit, shot, problems);
                    visited++;
                }
            }
            finally
            {
                await page.Context.CloseAsync();
            }
        }

        Assert.True(problems.Length == 0, $"{visited} pages visited; problems:{problems}");
    }

    private static async Task CheckAsync(IPage page, string role, Visit visit, string shot, StringBuilder problems)
    {
        await page.SetViewportSizeAsync(1280, 900);
        var response = await page.OpenAsync(visit.Url);
        if (response?.Status != (int)visit.Status)
        {
            problems.Append($"\n  {role} {visit.Url}: answered {response?.Status}, expected {(int)visit.Status}");
            return;
        }

        if (visit.Ready is not null)
        {
            await page.Locator(visit.Ready).First.WaitForAsync();
        }

        foreach (var violation in await Accessibility.SeriousViolationsAsync(page))
        {
            problems.Append($"\n  {role} {visit.Url}: {violation}");
        }

        await Screenshots.SaveArtifactAsync(page, Path.Combine("every-page", shot));

        await page.SetViewportSizeAsync(375, 800);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if (overflow > 0)
        {
            var widest = await page.EvaluateAsync<string>("""
                () => {
                  const limit = document.documentElement.clientWidth;
                  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > limit + 1);
                  return wide.slice(-3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')).join(', ');
                }
                """);
            problems.Append($"\n  {role} {visit.Url}: {overflow} px wider than a 375 px screen (widest: {widest})");
            await Screenshots.SaveArtifactAsync(page, Path.Combine("every-page", shot + "-375"));
        }
    }

    private static string Slug(string url)
    {
        var slug = new StringBuilder();
        foreach (var c in url)
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        return slug.ToString().TrimEnd('-') is { Length: > 0 } s ? (s.Length > 80 ? s[..80] : s) : "-home";
    }
}
