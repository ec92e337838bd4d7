using System.Net;

namespace Registry.Web.Tests.Portal;

public sealed class ModelPageTests(ModelPageTests.Fixture app) : IClassFixture<ModelPageTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public DateTimeOffset BeforeVersionTwo { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreateModelAsync("churn", description: "Predicts churn");
            await ApprovedVersionAsync("churn");
            await DeployAsync("churn", 1, "staging");
            await DeployAsync("churn", 1, "production");
            await Task.Delay(20);
            BeforeVersionTwo = DateTimeOffset.UtcNow;
            await Task.Delay(20);
            await ApprovedVersionAsync("churn");
            await DeployAsync("churn", 2, "production");
            await RegisterAsync("churn");

            // Separate models per mutating test, so tests do not depend on each other's order.
            foreach (var name in new[] { "deploy-me", "roll-me", "roll-mine", "no-prod" })
            {
                await CreateModelAsync(name);
                await ApprovedVersionAsync(name);
                await DeployAsync(name, 1, "production");
                await ApprovedVersionAsync(name);
                await DeployAsync(name, 2, "production");
            }

            await RegisterAsync("no-prod");
        }
    }

    [Fact]
    public async Task The_model_page_shows_its_profile_versions_and_what_runs_in_each_environment()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models/churn");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Ranking customers for retention calls", page.Text, StringComparison.Ordinal);
        Assert.Contains("Not for credit decisions", page.Text, StringComparison.Ordinal);
        Assert.Contains("Zoë Ångström-Łukasz", page.One("#profile-h")!.ParentElement!.TextContent, StringComparison.Ordinal);
        Assert.Equal(["3", "2", "1"], page.All("tr[data-version]").Select(r => r.GetAttribute("data-version")));
        Assert.Equal("registered", page.One("tr[data-version='3'] [data-state]")!.GetAttribute("data-state"));
        var production = page.One("[data-environment='production']")!;
        Assert.Contains("now runs v2", production.TextContent, StringComparison.Ordinal);
        Assert.Equal(2, production.QuerySelectorAll(".rg-timeline li").Length);
    }

    [Fact]
    public async Task The_model_page_offers_the_dossier_pdf_and_the_evidence_bundle_of_that_model()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models/churn");

        var dossier = page.One("a[data-export='dossier']")!;
        var evidence = page.One("a[data-export='evidence']")!;
        Assert.Equal("/api/v1/models/churn/report.pdf", dossier.GetAttribute("href"));
        Assert.Contains("dossier (PDF)", dossier.TextContent, StringComparison.Ordinal);
        Assert.Equal("/api/v1/models/churn/evidence", evidence.GetAttribute("href"));
        Assert.Contains("Evidence bundle", evidence.TextContent, StringComparison.Ordinal);
        using var auditor = app.As("priya");
        var bundle = await auditor.GetAsync(new Uri(evidence.GetAttribute("href")!, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Equal("application/zip", bundle.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task As_of_a_past_time_the_dossier_link_asks_for_the_dossier_as_of_that_same_instant()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync($"/models/churn?asOf={Uri.EscapeDataString(app.BeforeVersionTwo.ToString("O"))}");

        var href = page.One("a[data-export='dossier']")!.GetAttribute("href")!;
        Assert.StartsWith("/api/v1/models/churn/report.pdf?asOf=", href, StringComparison.Ordinal);
        Assert.Equal(app.BeforeVersionTwo, Registry.Web.Components.Ui.AsOf.Parse(Uri.UnescapeDataString(href.Split("asOf=")[1])));
        // A model's bundle holds its whole history up to a signed checkpoint, which proves the state at
        // any earlier time too; the bundle link therefore takes no asOf.
        Assert.Equal("/api/v1/models/churn/evidence", page.One("a[data-export='evidence']")!.GetAttribute("href"));
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_that_helps()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models/no-such-model");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Contains("No model named “no-such-model”", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_of_a_past_time_the_page_shows_that_state_under_a_banner()
    {
        using var browser = app.BrowserFor("amara");

        var page = await browser.GetAsync($"/models/churn?asOf={Uri.EscapeDataString(app.BeforeVersionTwo.ToString("O"))}");

        Assert.NotNull(page.One(".rg-asof-banner"));
        Assert.Equal(["1"], page.All("tr[data-version]").Select(r => r.GetAttribute("data-version")));
        Assert.Contains("now runs v1", page.One("[data-environment='production']")!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.One("form[data-form='record-deployment'], #deploy-h"));
        Assert.Null(page.One("a[href*='/rollback?']"));
    }

    [Fact]
    public async Task An_approver_records_a_deployment_with_the_form()
    {
        using var browser = app.BrowserFor("olga");
        var page = await browser.GetAsync("/models/deploy-me");

        var done = await browser.SubmitAsync(page, "form:has(#deploy-version)", new Dictionary<string, string>
        {
            ["Deploy.Version"] = "1",
            ["Deploy.Environment"] = "staging",
            ["Deploy.Reference"] = "CHG-77",
        });

        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.Contains("Recorded: v1 deployed to staging.", done.Text, StringComparison.Ordinal);
        Assert.Contains("now runs v1", done.One("[data-environment='staging']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("CHG-77", done.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_refuses_a_version_that_is_not_approved_and_the_form_says_why()
    {
        using var browser = app.BrowserFor("olga");
        var page = await browser.GetAsync("/models/no-prod");
        var events = await app.EventCountAsync();

        var refused = await browser.SubmitAsync(page, "form:has(#deploy-version)", new Dictionary<string, string>
        {
            ["Deploy.Version"] = "3",
            ["Deploy.Environment"] = "production",
        });

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.NotNull(refused.One(".rg-notice.bad"));
        Assert.Equal(events, await app.EventCountAsync());
    }

    [Fact]
    public async Task Data_scientists_and_auditors_get_no_deployment_form()
    {
        using var scientist = app.BrowserFor("zoe");
        using var auditor = app.BrowserFor("priya");

        Assert.Null((await scientist.GetAsync("/models/churn")).One("#deploy-version"));
        Assert.Null((await auditor.GetAsync("/models/churn")).One("#deploy-version"));
    }

    [Fact]
    public async Task A_rollback_is_one_click_then_a_confirmation_with_the_target_and_a_reason_then_a_visible_request()
    {
        using var browser = app.BrowserFor("zoe");
        var model = await browser.GetAsync("/models/roll-me");

        var link = model.One("[data-environment='production'] a[href*='/rollback?']")!;
        var confirm = await browser.GetAsync(link.GetAttribute("href")!);
        Assert.Equal("1", confirm.One("#rollback-target option[selected]")?.GetAttribute("value") ?? confirm.One("#rollback-target option")!.GetAttribute("value"));
        Assert.Contains("from v2", confirm.Text, StringComparison.Ordinal);

        var request = await browser.SubmitAsync(confirm, "form:has(#rollback-reason)", new Dictionary<string, string> { ["Form.Reason"] = "Scores drifted after the feed change" });

        Assert.Equal(HttpStatusCode.OK, request.Status);
        Assert.Contains("/models/roll-me/rollbacks/", request.Address.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("pending", request.One("h1 [data-state]")!.GetAttribute("data-state"));
        Assert.Contains("Scores drifted after the feed change", request.Text, StringComparison.Ordinal);
        var back = await browser.GetAsync("/models/roll-me");
        Assert.Equal("pending", back.One("tr[data-rollback] [data-state]")!.GetAttribute("data-state"));
    }

    [Fact]
    public async Task An_approver_approves_a_rollback_and_records_the_deployment_that_completes_it()
    {
        var requested = await app.ApiAsync("hanako", "/api/v1/models/roll-mine/rollback-requests", new { environment = "production", reason = "Latency doubled" });
        var id = requested.GetProperty("id").GetString()!;
        using var requester = app.BrowserFor("hanako");
        using var approver = app.BrowserFor("diego");

        var own = await requester.GetAsync($"/models/roll-mine/rollbacks/{id}");
        Assert.Null(own.One("#rollback-comment"));
        Assert.Contains("Only approvers decide on rollback requests.", own.One("[data-reason='decide-rollback']")!.TextContent, StringComparison.Ordinal);

        var page = await approver.GetAsync($"/models/roll-mine/rollbacks/{id}");
        var approved = await approver.SubmitAsync(page, "form:has(#rollback-comment)", new Dictionary<string, string> { ["Decide.Comment"] = "Agreed" }, ("Decide.Decision", "approve"));
        Assert.Equal("approved", approved.One("h1 [data-state]")!.GetAttribute("data-state"));

        var completed = await approver.SubmitAsync(approved, "form:has(#carry-reference)", new Dictionary<string, string> { ["Carry.Reference"] = "CHG-99" });
        Assert.Equal("completed", completed.One("h1 [data-state]")!.GetAttribute("data-state"));
        var model = await approver.GetAsync("/models/roll-mine");
        Assert.Contains("now runs v1", model.One("[data-environment='production']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("rollback", model.One("[data-environment='production'] .rg-timeline li.current")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approver_who_requested_a_rollback_is_told_another_approver_must_decide()
    {
        var requested = await app.ApiAsync("olga", "/api/v1/models/churn/rollback-requests", new { environment = "staging", targetVersion = 2, reason = "Try v2 in staging" });
        var id = requested.GetProperty("id").GetString()!;
        using var browser = app.BrowserFor("olga");

        var page = await browser.GetAsync($"/models/churn/rollbacks/{id}");

        Assert.Null(page.One("#rollback-comment"));
        Assert.Contains("you requested this rollback", page.One("[data-reason='decide-rollback']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auditors_see_no_rollback_button_and_cannot_open_the_confirmation()
    {
        using var browser = app.BrowserFor("priya");

        var model = await browser.GetAsync("/models/churn");
        var confirm = await browser.GetAsync("/models/churn/rollback?environment=production");

        Assert.Null(model.One("a[href*='/rollback?']"));
        Assert.NotEqual(HttpStatusCode.OK, confirm.Status);
        Assert.Null(confirm.One("#rollback-reason"));
    }
}
