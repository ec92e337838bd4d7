using System.Net;

namespace Registry.Web.Tests.Portal;

public sealed class VersionPageTests(VersionPageTests.Fixture app) : IClassFixture<VersionPageTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreateModelAsync("churn");
            await RegisterAsync("churn");                     // v1: registered, left as it is
            await RegisterAsync("churn");                     // v2: pending, for the approve test
            await SubmitAsync("churn", 2);
            await RegisterAsync("churn");                     // v3: registered, for the submit test
            await CreateModelAsync("scorecard", riskTier: "high", owner: "sam", by: "sam");
            await RegisterAsync("scorecard", by: "sam");      // v1: registered by a person who is also an approver
            await SubmitAsync("scorecard", 1, by: "sam");
            await CreateModelAsync("final");
            await RegisterAsync("final");
            await SubmitAsync("final", 1);
            await DecideAsync("final", 1, "olga", "reject", "Validation data leaks the label");
        }
    }

    [Fact]
    public async Task The_version_page_shows_hashes_dependencies_parameters_metrics_and_source()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models/churn/versions/1");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("registered", page.One("h1 [data-state]")!.GetAttribute("data-state"));
        Assert.Contains(page.All("code.rg-hash"), c => c.TextContent == PortalApp.Hash("customers"));
        Assert.Contains(page.All("code.rg-hash"), c => c.TextContent == PortalApp.Hash("commit")[..40]);
        Assert.Contains("xgboost", page.Text, StringComparison.Ordinal);
        Assert.Contains("1.7.6", page.Text, StringComparison.Ordinal);
        Assert.Contains("binary:logistic", page.Text, StringComparison.Ordinal);
        Assert.Contains("0.86", page.Text, StringComparison.Ordinal);
        Assert.Contains("https://git.example.org/ml/churn", page.Text, StringComparison.Ordinal);
        Assert.Contains("10,000", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_scientist_submits_a_version_from_its_page()
    {
        using var browser = app.BrowserFor("zoe");
        var page = await browser.GetAsync("/models/churn/versions/3");

        var submitted = await browser.SubmitAsync(page, "#decide form");

        Assert.Equal(HttpStatusCode.OK, submitted.Status);
        Assert.Equal("pending-approval", submitted.One("h1 [data-state]")!.GetAttribute("data-state"));
        Assert.Contains("Submitted v3 for approval.", submitted.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approver_approves_and_the_page_shows_who_in_which_role_when_with_the_comment_and_policy()
    {
        using var browser = app.BrowserFor("olga");
        var page = await browser.GetAsync("/models/churn/versions/2");

        var approved = await browser.SubmitAsync(page, "form:has(#decision-comment)", new Dictionary<string, string> { ["Decide.Comment"] = "Looks right to me" }, ("Decide.Decision", "approve"));

        Assert.Equal(HttpStatusCode.OK, approved.Status);
        Assert.Equal("approved", approved.One("h1 [data-state]")!.GetAttribute("data-state"));
        var approval = approved.One("[data-approver='olga']")!;
        Assert.Contains("Ольга Петрова", approval.TextContent, StringComparison.Ordinal);
        Assert.Contains("as approver", approval.TextContent, StringComparison.Ordinal);
        Assert.Contains("Looks right to me", approval.TextContent, StringComparison.Ordinal);
        Assert.NotNull(approval.QuerySelector("time[datetime]"));
        Assert.Contains("medium risk: 1 approver", approved.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_who_registered_the_version_is_told_separation_of_duties_forbids_approving_it()
    {
        using var browser = app.BrowserFor("sam");

        var page = await browser.GetAsync("/models/scorecard/versions/1");

        Assert.Null(page.One("#decision-comment"));
        Assert.Contains("Separation of duties: you registered this version", page.One("[data-reason='decide']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forged_approval_by_the_registrant_is_refused_and_appends_nothing()
    {
        using var approver = app.BrowserFor("olga");
        using var registrant = app.BrowserFor("sam");
        var form = await approver.GetAsync("/models/scorecard/versions/1");
        var own = await registrant.GetAsync("/models/scorecard/versions/1");
        var events = await app.EventCountAsync();

        // Sam posts the approval form (as rendered for an eligible approver) with his own antiforgery token.
        var token = own.One("input[name='__RequestVerificationToken']")!.GetAttribute("value")!;
        var refused = await registrant.SubmitAsync(form, "form:has(#decision-comment)", new Dictionary<string, string>
        {
            ["Decide.Comment"] = "Approving my own work",
            ["__RequestVerificationToken"] = token,
        }, ("Decide.Decision", "approve"));

        // The form is not rendered for him, so the framework refuses the post before any handler runs.
        Assert.Contains(refused.Status, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Forbidden });
        Assert.Equal(events, await app.EventCountAsync());
        Assert.Equal("pending-approval", (await approver.GetAsync("/models/scorecard/versions/1")).One("h1 [data-state]")!.GetAttribute("data-state"));
    }

    [Fact]
    public async Task A_data_scientist_is_told_only_approvers_and_compliance_decide()
    {
        using var browser = app.BrowserFor("hanako");

        var page = await browser.GetAsync("/models/churn/versions/2");

        Assert.Null(page.One("#decision-comment"));
        Assert.Contains("Only approvers and compliance officers decide on versions.", page.One("[data-reason='decide']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_high_risk_version_stays_pending_after_one_approver_and_names_the_policy()
    {
        await app.DecideAsync("scorecard", 1, "diego");
        using var browser = app.BrowserFor("amara");

        var page = await browser.GetAsync("/models/scorecard/versions/1");

        Assert.Equal("pending-approval", page.One("h1 [data-state]")!.GetAttribute("data-state"));
        Assert.Contains("high risk: 1 approver and 1 compliance sign-off", page.Text, StringComparison.Ordinal);
        Assert.NotNull(page.One("#decision-comment"));
    }

    [Fact]
    public async Task A_rejected_version_shows_the_rejection_and_offers_no_decision()
    {
        using var browser = app.BrowserFor("diego");

        var page = await browser.GetAsync("/models/final/versions/1");

        Assert.Equal("rejected", page.One("h1 [data-state]")!.GetAttribute("data-state"));
        Assert.Contains("Validation data leaks the label", page.Text, StringComparison.Ordinal);
        Assert.Contains("already rejected", page.One("[data-reason='decide']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_version_is_a_404_that_links_to_the_model()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models/churn/versions/99");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Contains("churn has no version 99", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_of_before_a_decision_the_version_shows_as_it_stood_then_and_offers_no_action()
    {
        await app.CreateModelAsync("timeline");
        await app.RegisterAsync("timeline");
        await app.SubmitAsync("timeline", 1);
        await Task.Delay(20);
        var beforeDecision = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        await app.DecideAsync("timeline", 1, "olga");
        using var browser = app.BrowserFor("olga");

        var then = await browser.GetAsync($"/models/timeline/versions/1?asOf={Uri.EscapeDataString(beforeDecision.ToString("O"))}");
        var now = await browser.GetAsync("/models/timeline/versions/1");

        Assert.NotNull(then.One(".rg-asof-banner"));
        Assert.Equal("pending-approval", then.One("h1 [data-state]")!.GetAttribute("data-state"));
        Assert.Null(then.One("#decide"));
        Assert.Null(now.One(".rg-asof-banner"));
        Assert.Equal("approved", now.One("h1 [data-state]")!.GetAttribute("data-state"));
    }
}
