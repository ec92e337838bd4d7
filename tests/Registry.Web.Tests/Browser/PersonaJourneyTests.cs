using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Registry.Testing;
using Registry.Testing.Browser;

namespace Registry.Web.Tests.Browser;

/// <summary>
/// One end-to-end journey per persona on the system Chromium, as people use the portal: sign in with
/// the form, click, type. Every page visited passes axe-core with no serious or critical violation,
/// and is saved as a screenshot (test-results/screenshots; docs/guide/img with REGISTRY_UPDATE_GUIDE_SCREENSHOTS=1).
/// </summary>
[Collection(BrowserTests.Collection)]
public sealed class PersonaJourneyTests(PersonaJourneyTests.Portal portal) : IClassFixture<PersonaJourneyTests.Portal>, IAsyncLifetime
{
    public sealed class Portal : PortalBrowser
    {
        public Persona Dana { get; private set; } = null!;
        public Persona Ivan { get; private set; } = null!;
        public Persona Olga { get; private set; } = null!;
        public Persona Carla { get; private set; } = null!;
        public Persona Audra { get; private set; } = null!;
        public Persona Ada { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Dana = await this.CreateAsync("dana", "Dana Okafor", "data-scientist");
            Ivan = await this.CreateAsync("ivan", "Ivan Petrov · Иван Петров", "approver");
            Olga = await this.CreateAsync("olga", "Olga Lindqvist", "approver");
            Carla = await this.CreateAsync("carla", "Carla Méndez", "compliance");
            Audra = await this.CreateAsync("audra", "Audra 山田", "auditor");
            Ada = await this.CreateAsync("ada", "Ada Admin", "admin");
        }

        public HttpClient Api(Persona persona) => CreateTokenClient(persona.Token);

        public async Task ModelAsync(string name, string riskTier, string description)
        {
            var response = await Api(Dana).PostAsJsonAsync("/api/v1/models", new { name, riskTier, description, owner = "dana", intendedUse = "Ranking customers for retention offers.", restrictions = "Not for credit decisions." });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        public async Task<int> VersionAsync(string model, string trainingSha, int? parent = null, string sklearn = "1.4.2", double auc = 0.81)
        {
            var body = new JsonObject
            {
                ["artifact"] = new JsonObject { ["uri"] = $"s3://models/{model}.onnx", ["sha256"] = Sha('f'), ["sizeBytes"] = 48_213_004 },
                ["datasets"] = new JsonArray(
                    new JsonObject { ["name"] = "customers-2026q3.parquet", ["role"] = "training", ["uri"] = "s3://data/customers-2026q3.parquet", ["sha256"] = trainingSha, ["rows"] = 1_204_331 },
                    new JsonObject { ["name"] = "holdout-2026q3.parquet", ["role"] = "validation", ["uri"] = "s3://data/holdout-2026q3.parquet", ["sha256"] = Sha('e'), ["rows"] = 120_000 }),
                ["dependencies"] = new JsonArray(
                    new JsonObject { ["ecosystem"] = "pypi", ["name"] = "scikit-learn", ["version"] = sklearn },
                    new JsonObject { ["ecosystem"] = "pypi", ["name"] = "pandas", ["version"] = "2.2.3" }),
                ["parameters"] = new JsonObject { ["max_depth"] = 6, ["n_estimators"] = 400 },
                ["metrics"] = new JsonObject { ["auc"] = auc, ["f1"] = 0.62 },
                ["source"] = new JsonObject { ["repository"] = "https://git.example/ml/" + model, ["commit"] = "9f2c4e1" },
                ["parentVersion"] = parent,
                ["notes"] = parent is null ? "First line." : "Retrained on the new quarter.",
            };
            var response = await Api(Dana).PostAsJsonAsync($"/api/v1/models/{model}/versions", body);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<int>();
        }

        public async Task SubmitAsync(string model, int version) =>
            Assert.Equal(HttpStatusCode.OK, (await Api(Dana).PostAsync(new Uri($"/api/v1/models/{model}/versions/{version}/submit", UriKind.Relative), null)).StatusCode);

        public async Task ApproveAsync(string model, int version, Persona who) =>
            Assert.Equal(HttpStatusCode.Created, (await Api(who).PostAsJsonAsync($"/api/v1/models/{model}/versions/{version}/approvals", new { decision = "approve", comment = "Reviewed the diff and the metrics." })).StatusCode);

        public async Task DeployAsync(string model, int version, string environment) =>
            Assert.Equal(HttpStatusCode.Created, (await Api(Ivan).PostAsJsonAsync($"/api/v1/models/{model}/deployments", new { version, environment, reference = "CHG-2041" })).StatusCode);

        public static string Sha(char c) => new(c, 64);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => portal.ClosePagesAsync();

    [Fact]
    public async Task A_data_scientist_registers_through_the_API_and_submits_in_the_portal()
    {
        await portal.ModelAsync("churn-predictor", "medium", "Predicts which customers will cancel within 90 days.");
        var version = await portal.VersionAsync("churn-predictor", Portal.Sha('a'));
        var page = await portal.SignedInPageAsync(portal.Dana);

        await VisitAsync(page, "/", "dashboard");
        await VisitAsync(page, $"/models/churn-predictor/versions/{version}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Submit v{version} for approval" }).ClickAsync();

        await Expect(page.Locator("h1 [data-state='pending-approval']")).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task An_IT_approver_approves_from_the_queue_and_records_the_deployment()
    {
        await portal.ModelAsync("fraud-detector", "low", "Flags card transactions for manual review.");
        var version = await portal.VersionAsync("fraud-detector", Portal.Sha('b'));
        await portal.SubmitAsync("fraud-detector", version);
        var page = await portal.SignedInPageAsync(portal.Ivan);

        await VisitAsync(page, "/approvals", "approvals");
        await page.Locator($"a[href='/models/fraud-detector/versions/{version}#decide']").ClickAsync();
        await page.Locator("#decision-comment").FillAsync("Diff reviewed; metrics within bounds. CAB ticket CHG-2040.");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Approve v{version}" }).ClickAsync();
        await Expect(page.Locator("h1 [data-state='approved']")).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(page);

        await VisitAsync(page, "/models/fraud-detector");
        await page.Locator("#deploy-version").SelectOptionAsync(version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator("#deploy-environment").FillAsync("production");
        await page.Locator("#deploy-reference").FillAsync("CHG-2040");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record", Exact = true }).ClickAsync();

        await Expect(page.GetByText($"Recorded: v{version} deployed to production.")).ToBeVisibleAsync();
        Assert.Equal(1, await portal.CountAsync("type = 'DeploymentRecorded' AND actor = 'ivan' AND stream = 'model-fraud-detector'"));
        await Accessibility.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Compliance_browses_lineage_diff_and_history_and_looks_as_of_a_past_time()
    {
        await portal.ModelAsync("credit-scorecard", "high", "Scores loan applications (PD model).");
        var v1 = await portal.VersionAsync("credit-scorecard", Portal.Sha('c'));
        await portal.SubmitAsync("credit-scorecard", v1);
        await portal.ApproveAsync("credit-scorecard", v1, portal.Ivan);
        await portal.ApproveAsync("credit-scorecard", v1, portal.Carla);
        await portal.DeployAsync("credit-scorecard", v1, "production");

        // The as-of control has one-second precision: leave a clear second on either side.
        await Task.Delay(1100);
        var beforeV2 = DateTimeOffset.UtcNow;
        await Task.Delay(1100);
        var v2 = await portal.VersionAsync("credit-scorecard", Portal.Sha('d'), parent: v1, sklearn: "1.5.1", auc: 0.84);
        var page = await portal.SignedInPageAsync(portal.Carla);

        await VisitAsync(page, "/models?q=credit", "models");
        await page.GetByRole(AriaRole.Link, new() { Name = "credit-scorecard", Exact = true }).First.ClickAsync();
        await VisitAsync(page, null, "model");
        await page.Locator($"a[href='/models/credit-scorecard/versions/{v2}']").First.ClickAsync();
        await VisitAsync(page, null, "version");

        await page.GetByRole(AriaRole.Link, new() { Name = "Lineage" }).ClickAsync();
        await page.Locator("figure[data-lineage-rendered=true]").WaitForAsync();
        await VisitAsync(page, null, "lineage");
        await page.Locator($"figure svg a[href='/datasets/{Portal.Sha('c')}']").ClickAsync();
        await Expect(page.Locator("h1")).ToContainTextAsync("Dataset");
        await page.Locator("figure[data-lineage-rendered=true]").WaitForAsync();
        await VisitAsync(page, null, "dataset");

        await VisitAsync(page, $"/models/credit-scorecard/diff?from={v1}&to={v2}", "diff");
        await Expect(page.Locator("main")).ToContainTextAsync("1.5.1");

        await VisitAsync(page, "/audit");
        await page.Locator("#audit-model").FillAsync("credit-scorecard");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(page.Locator("tr[data-position]").First).ToContainTextAsync("VersionRegistered");
        Assert.Equal(await portal.CountAsync("stream = 'model-credit-scorecard'"), await page.Locator("tr[data-position]").CountAsync());
        await VisitAsync(page, null, "audit");

        await VisitAsync(page, "/models/credit-scorecard");
        // As a person would type it: Chromium holds a time with zero seconds as hh:mm, and Playwright refuses a fill the input rewrote.
        await page.Locator("input[name=asOf]").First.FillAsync(Registry.Web.Components.Ui.AsOf.ToInputValue(beforeV2));
        await page.Locator("form.rg-asof-form button[type=submit]").First.ClickAsync();
        await Expect(page.Locator(".rg-asof-banner")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator($"main a[href='/models/credit-scorecard/versions/{v2}']").CountAsync());
        await VisitAsync(page, null, "as-of");
    }

    [Fact]
    public async Task An_auditor_signs_in_verifies_the_log_checks_an_event_s_proof_and_downloads_the_dossier()
    {
        await portal.ModelAsync("demand-forecaster", "low", "Forecasts weekly demand per store.");
        var version = await portal.VersionAsync("demand-forecaster", Portal.Sha('a'));
        var admin = await portal.SignedInPageAsync(portal.Ada);
        await VisitAsync(admin, "/integrity");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Sign a checkpoint now" }).ClickAsync();
        await Expect(admin.Locator("[data-state=signature-valid]")).ToBeVisibleAsync();
        await VisitAsync(admin, "/admin", "admin");
        var page = await portal.SignedInPageAsync(portal.Audra);

        await VisitAsync(page, "/integrity");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify the whole log now" }).ClickAsync();
        await Expect(page.Locator("[data-state=verified]")).ToBeVisibleAsync();
        await VisitAsync(page, null, "integrity");

        await VisitAsync(page, "/audit?type=VersionRegistered");
        await page.Locator("tr[data-position] td a[href^='/integrity/proofs/']").First.ClickAsync();
        await Expect(page.GetByText("the event is in the tree")).ToBeVisibleAsync();
        await VisitAsync(page, null, "proof");

        await VisitAsync(page, $"/models/demand-forecaster/versions/{version}");

        // The dossier is a plain link answered as an attachment: the browser downloads it with the portal's cookie.
        await VisitAsync(page, "/models/demand-forecaster");
        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Link, new() { Name = "Download dossier (PDF)" }).ClickAsync(),
            new PageRunAndWaitForDownloadOptions { Timeout = 120_000 });
        var bytes = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.EndsWith(".pdf", download.SuggestedFilename, StringComparison.Ordinal);
        using var dossier = new Reports.PdfFile(bytes);
        Assert.True(dossier.Pages >= 1);
        Assert.Contains("Model dossier", dossier.NormalizedText, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("demand-forecaster", dossier.NormalizedText, StringComparison.Ordinal);
        Assert.Contains($"v{version}", dossier.NormalizedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollback_is_requested_with_one_click_approved_by_another_person_and_completed()
    {
        await portal.ModelAsync("price-elasticity", "low", "Estimates price elasticity per product line.");
        var v1 = await portal.VersionAsync("price-elasticity", Portal.Sha('1'));
        await portal.SubmitAsync("price-elasticity", v1);
        await portal.ApproveAsync("price-elasticity", v1, portal.Ivan);
        await portal.DeployAsync("price-elasticity", v1, "production");
        var v2 = await portal.VersionAsync("price-elasticity", Portal.Sha('2'), parent: v1);
        await portal.SubmitAsync("price-elasticity", v2);
        await portal.ApproveAsync("price-elasticity", v2, portal.Ivan);
        await portal.DeployAsync("price-elasticity", v2, "production");

        var requester = await portal.SignedInPageAsync(portal.Olga);
        await VisitAsync(requester, "/models/price-elasticity");
        await requester.GetByRole(AriaRole.Link, new() { Name = "Request rollback" }).First.ClickAsync();
        await VisitAsync(requester, null);
        Assert.Equal(v1.ToString(System.Globalization.CultureInfo.InvariantCulture), await requester.Locator("#rollback-target").InputValueAsync());
        await requester.Locator("#rollback-reason").FillAsync("Elasticities for the new line are off by a factor of ten since this morning's release.");
        await requester.GetByRole(AriaRole.Button, new() { Name = "Request rollback" }).ClickAsync();
        await Expect(requester.Locator("h1 [data-state='pending']")).ToBeVisibleAsync();
        await Expect(requester.Locator("[data-reason='decide-rollback']")).ToBeVisibleAsync();
        var url = requester.Url;

        var approver = await portal.SignedInPageAsync(portal.Ivan);
        await VisitAsync(approver, new Uri(url).PathAndQuery);
        await approver.Locator("#rollback-comment").FillAsync("Confirmed with the pricing team; roll back.");
        await approver.GetByRole(AriaRole.Button, new() { Name = "Approve rollback" }).ClickAsync();
        await Expect(approver.Locator("h1 [data-state='approved']")).ToBeVisibleAsync();
        await approver.GetByRole(AriaRole.Button, new() { Name = $"Record deployment of v{v1} to production" }).ClickAsync();

        await Expect(approver.Locator("h1 [data-state='completed']")).ToBeVisibleAsync();
        await VisitAsync(approver, null, "rollback");
        Assert.Equal(1, await portal.CountAsync("type = 'RollbackCompleted' AND stream = 'model-price-elasticity'"));
    }

    [Fact]
    public async Task Keyboard_alone_reaches_the_main_actions_and_focus_is_always_visible()
    {
        await portal.ModelAsync("keyboard-model", "low", "Used by the keyboard check.");
        var version = await portal.VersionAsync("keyboard-model", Portal.Sha('9'));
        await portal.SubmitAsync("keyboard-model", version);
        var page = await portal.SignedInPageAsync(portal.Ivan);

        await page.OpenAsync("/audit");
        await TabToAsync(page, "a.skip-link");
        await TabToAsync(page, "#audit-actor");
        await TabToAsync(page, "form[role=search] button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await page.ArriveAsync(u => u.Contains("/audit?", StringComparison.Ordinal));

        await page.OpenAsync($"/models/keyboard-model/versions/{version}");
        await TabToAsync(page, "#decision-comment");
        await page.Keyboard.TypeAsync("Approved from the keyboard.");
        await TabToAsync(page, "button[value=approve]");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("h1 [data-state='approved']")).ToBeVisibleAsync();

        await page.OpenAsync($"/models/keyboard-model/versions/{version}/lineage");
        await page.Locator("figure[data-lineage-rendered=true]").WaitForAsync();
        await TabToAsync(page, "figure svg a");
    }

    [Fact]
    public async Task The_audit_integrity_lineage_and_admin_pages_fit_a_375_pixel_wide_screen()
    {
        await portal.ModelAsync("narrow-model", "low", "Used by the small-screen check.");
        var version = await portal.VersionAsync("narrow-model", Portal.Sha('7'));
        var page = await portal.SignedInPageAsync(portal.Ada, width: 375, height: 800);

        foreach (var url in new[] { "/audit", "/integrity", $"/models/narrow-model/versions/{version}/lineage", $"/datasets/{Portal.Sha('7')}", "/admin", "/admin/users/dana", "/integrity/proofs/1" })
        {
            await VisitAsync(page, url);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{url} is {overflow} px wider than a 375 px screen");
        }
    }

    /// <summary>Presses Tab until <paramref name="selector"/> has focus (at most 80 times), and checks the focus is visible.</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 80; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement && document.activeElement.matches(s)", selector))
            {
                var visible = await page.EvaluateAsync<bool>("""
                    () => {
                      const el = document.activeElement;
                      const own = getComputedStyle(el);
                      const box = el.querySelector('.lineage-box');
                      const drawn = box ? getComputedStyle(box) : null;
                      return (own.outlineStyle !== 'none' && parseFloat(own.outlineWidth) >= 2)
                        || (own.boxShadow && own.boxShadow !== 'none')
                        || (drawn !== null && parseFloat(drawn.strokeWidth) >= 3);
                    }
                    """);
                Assert.True(visible, $"focus on {selector} at {page.Url} is not visible");
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector} on {page.Url}");
    }

    /// <summary>Goes to <paramref name="url"/> (or stays), checks accessibility, and saves a screenshot when named.</summary>
    private static async Task VisitAsync(IPage page, string? url, string? screenshot = null)
    {
        if (url is not null)
        {
            var response = await page.OpenAsync(url);
            Assert.True(response is { Ok: true }, $"{url} answered {response?.Status}");
        }

        // DOMContentLoaded (see Navigation): the deferred registry.js runs only after the stylesheets, so the
        // page is styled for axe by then.
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        await Accessibility.AssertAccessibleAsync(page);
        if (screenshot is not null)
        {
            await Screenshots.SaveAsync(page, screenshot);
        }
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
