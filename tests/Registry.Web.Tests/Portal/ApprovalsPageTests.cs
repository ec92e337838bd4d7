using System.Net;

namespace Registry.Web.Tests.Portal;

public sealed class ApprovalsPageTests(ApprovalsPageTests.Fixture app) : IClassFixture<ApprovalsPageTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreateModelAsync("older");
            await ApprovedVersionAsync("older");
            await DeployAsync("older", 1, "production");
            await RegisterAsync("older");
            await SubmitAsync("older", 2);
            await CreateModelAsync("newer", by: "sam", owner: "sam");
            await RegisterAsync("newer", by: "sam");
            await SubmitAsync("newer", 1, by: "sam");
        }
    }

    [Fact]
    public async Task The_queue_lists_pending_versions_oldest_first_with_the_diff_against_production_one_click_away()
    {
        using var browser = app.BrowserFor("diego");

        var page = await browser.GetAsync("/approvals");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(["older", "newer"], page.All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
        Assert.Equal("/models/older/diff?from=1&to=2", page.One("tr[data-model='older'] a[href*='/diff']")!.GetAttribute("href"));
        Assert.Contains("vs production (v1)", page.One("tr[data-model='older']")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.One("tr[data-model='older'] a[href='/models/older/versions/2#decide']"));
    }

    [Fact]
    public async Task The_queue_says_when_it_is_not_your_turn_and_why()
    {
        using var browser = app.BrowserFor("sam");

        var page = await browser.GetAsync("/approvals");

        Assert.Equal("you registered it", page.One("tr[data-model='newer'] [data-blocked]")!.GetAttribute("data-blocked"));
        Assert.NotNull(page.One("tr[data-model='older'] a.btn"));
    }

    [Fact]
    public async Task Compliance_sees_the_queue_too()
    {
        using var browser = app.BrowserFor("amara");

        Assert.Equal(2, (await browser.GetAsync("/approvals")).All("tr[data-model]").Count);
    }

    [Theory]
    [InlineData("zoe")]
    [InlineData("priya")]
    public async Task People_who_do_not_approve_cannot_open_the_queue(string username)
    {
        using var browser = app.BrowserFor(username);

        var page = await browser.GetAsync("/approvals");

        Assert.NotEqual(HttpStatusCode.OK, page.Status);
        Assert.Empty(page.All("tr[data-model]"));
    }
}
