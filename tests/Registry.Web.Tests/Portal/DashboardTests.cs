using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Registry.Web.Tests.Portal;

public sealed class DashboardTests(DashboardTests.Fixture app) : IClassFixture<DashboardTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreateModelAsync("churn", owner: "zoe");
            await ApprovedVersionAsync("churn");
            await DeployAsync("churn", 1, "staging");
            await DeployAsync("churn", 1, "production");
            await RegisterAsync("churn");
            await SubmitAsync("churn", 2);
            await RegisterAsync("churn");
            await CreateModelAsync("forecast", owner: "hanako", by: "hanako");
        }
    }

    [Fact]
    public async Task An_approver_sees_what_waits_for_their_decision()
    {
        using var browser = app.BrowserFor("diego");

        var page = await browser.GetAsync("/");

        Assert.NotNull(page.One("[data-pending='churn/2']"));
        Assert.Null(page.One("#models-h"));
    }

    [Fact]
    public async Task A_data_scientist_sees_their_models_and_the_versions_they_have_not_submitted()
    {
        using var browser = app.BrowserFor("zoe");

        var page = await browser.GetAsync("/");

        Assert.NotNull(page.One("[data-my-model='churn']"));
        Assert.Null(page.One("[data-my-model='forecast']"));
        Assert.Contains("production runs v1", page.One("[data-my-model='churn']")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.One("a[href='/models/churn/versions/3#decide']"));
        Assert.Null(page.One("#mine-h"));
    }

    [Fact]
    public async Task Everyone_sees_environments_recent_activity_and_the_integrity_status()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/");

        var environments = page.One("#envs-h")!.ParentElement!.TextContent;
        Assert.Contains("production", environments, StringComparison.Ordinal);
        Assert.Contains("staging", environments, StringComparison.Ordinal);
        Assert.Contains("registered v3 of churn", page.One("#activity-h")!.ParentElement!.ParentElement!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Zoë Ångström-Łukasz", page.One("#activity-h")!.ParentElement!.ParentElement!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.One("#integrity-h"));
    }

    [Fact]
    public async Task The_integrity_status_says_when_the_log_was_last_verified_by_whom_and_that_it_held()
    {
        using var auditor = app.As("priya");
        var verified = await auditor.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/integrity/verify", UriKind.Relative));
        using var browser = app.BrowserFor("zoe");

        var page = await browser.GetAsync("/");

        var last = page.One("[data-field=last-verification]")!;
        Assert.Equal("last-verified", last.GetAttribute("data-state"));
        Assert.Contains("प्रिया शर्मा", last.TextContent, StringComparison.Ordinal);
        Assert.Contains("(API)", last.TextContent, StringComparison.Ordinal);
        Assert.Contains(verified.GetProperty("treeSize").GetInt64().ToString("N0", CultureInfo.InvariantCulture) + " events", last.TextContent, StringComparison.Ordinal);
        Assert.Equal(verified.GetProperty("rootHash").GetString(), last.QuerySelector("code[data-hash]")!.GetAttribute("data-hash"));
    }
}
