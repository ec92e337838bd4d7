// The models list's status filter looks at each model's latest version only (the projection keeps
// that status on the model's row, migrations/0050). Most of these models have an older version in
// another state than their latest, so a filter on any version's status would list them wrongly.
namespace Registry.Web.Tests.Portal;

public sealed class ModelStatusFilterTests(ModelStatusFilterTests.Fixture app) : IClassFixture<ModelStatusFilterTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreateModelAsync("never-registered");

            await CreateModelAsync("draft");
            await RegisterAsync("draft");

            await CreateModelAsync("waiting");
            await SubmitAsync("waiting", await RegisterAsync("waiting"));

            await CreateModelAsync("approved-then-waiting");
            await ApprovedVersionAsync("approved-then-waiting");
            await SubmitAsync("approved-then-waiting", await RegisterAsync("approved-then-waiting"));

            await CreateModelAsync("waiting-then-draft");
            await SubmitAsync("waiting-then-draft", await RegisterAsync("waiting-then-draft"));
            await RegisterAsync("waiting-then-draft");

            await CreateModelAsync("rejected-then-approved");
            var rejected = await RegisterAsync("rejected-then-approved");
            await SubmitAsync("rejected-then-approved", rejected);
            await DecideAsync("rejected-then-approved", rejected, "olga", "reject", "Validation data leaks the label");
            await ApprovedVersionAsync("rejected-then-approved");

            await CreateModelAsync("approved-then-rejected");
            await ApprovedVersionAsync("approved-then-rejected");
            var second = await RegisterAsync("approved-then-rejected");
            await SubmitAsync("approved-then-rejected", second);
            await DecideAsync("approved-then-rejected", second, "diego", "reject", "Worse than version 1 on the holdout");
        }
    }

    [Theory]
    [InlineData("registered", new[] { "draft", "waiting-then-draft" })]
    [InlineData("pending-approval", new[] { "approved-then-waiting", "waiting" })]
    [InlineData("approved", new[] { "rejected-then-approved" })]
    [InlineData("rejected", new[] { "approved-then-rejected" })]
    public async Task The_status_filter_lists_exactly_the_models_whose_latest_version_has_that_status(string status, string[] expected)
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync($"/models?status={status}");

        var rows = page.All("tr[data-model]");
        Assert.Equal(expected, rows.Select(r => r.GetAttribute("data-model")));
        Assert.All(rows, row => Assert.NotNull(row.QuerySelector($"[data-state='{status}']")));
        Assert.Equal(status, page.One("#f-status option[selected]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task The_status_filter_none_lists_only_models_without_versions()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models?status=none");

        Assert.Equal(["never-registered"], page.All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
    }

    [Fact]
    public async Task Each_row_shows_the_status_of_the_latest_version_not_of_an_older_one()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models?q=waiting-then-draft");

        var row = page.One("tr[data-model='waiting-then-draft']")!;
        Assert.Contains("v2", row.TextContent, StringComparison.Ordinal);
        Assert.NotNull(row.QuerySelector("[data-state='registered']"));
        Assert.Null(row.QuerySelector("[data-state='pending-approval']"));
    }
}

/// <summary>A decision moves a model between the status filters (a fixture of its own: it changes states).</summary>
public sealed class ModelStatusFilterDecisionTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task Approving_or_rejecting_the_latest_version_takes_the_model_out_of_the_pending_filter()
    {
        await app.CreateModelAsync("to-approve");
        await app.CreateModelAsync("to-reject");
        var approving = await app.RegisterAsync("to-approve");
        var rejecting = await app.RegisterAsync("to-reject");
        await app.SubmitAsync("to-approve", approving);
        await app.SubmitAsync("to-reject", rejecting);
        using var browser = app.BrowserFor("priya");
        var pendingBefore = await browser.GetAsync("/models?status=pending-approval");

        await app.DecideAsync("to-approve", approving, "olga");
        await app.DecideAsync("to-reject", rejecting, "olga", "reject", "No fairness review attached");

        Assert.Equal(["to-approve", "to-reject"], pendingBefore.All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
        Assert.Empty((await browser.GetAsync("/models?status=pending-approval")).All("tr[data-model]"));
        Assert.Equal(["to-approve"], (await browser.GetAsync("/models?status=approved")).All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
        Assert.Equal(["to-reject"], (await browser.GetAsync("/models?status=rejected")).All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
    }
}
