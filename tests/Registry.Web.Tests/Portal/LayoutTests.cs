namespace Registry.Web.Tests.Portal;

public sealed class LayoutTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task The_header_shows_the_signed_in_person_with_their_roles_and_a_sign_out_button()
    {
        using var browser = app.BrowserFor("sam");

        var page = await browser.GetAsync("/models");

        var user = page.One(".rg-user")!;
        Assert.Equal("Sam Both-Roles", user.QuerySelector("[data-username='sam']")!.TextContent);
        Assert.Equal(["data-scientist", "approver"], user.QuerySelectorAll(".rg-role").Select(r => r.TextContent));
        Assert.Equal("/account/sign-out", user.QuerySelector("form")!.GetAttribute("action"));
        Assert.NotNull(user.QuerySelector("input[name='__RequestVerificationToken']"));
    }

    [Fact]
    public async Task Navigation_offers_approvals_to_reviewers_and_admin_to_admins_only()
    {
        using var scientist = app.BrowserFor("zoe");
        using var approver = app.BrowserFor("olga");
        using var admin = app.BrowserFor("kwame");

        var forScientist = await scientist.GetAsync("/models");
        var forApprover = await approver.GetAsync("/models");
        var forAdmin = await admin.GetAsync("/models");

        Assert.Null(forScientist.One("nav a[href='/approvals']"));
        Assert.NotNull(forApprover.One("nav a[href='/approvals']"));
        Assert.Null(forApprover.One("nav a[href='/admin']"));
        Assert.NotNull(forAdmin.One("nav a[href='/admin']"));
        Assert.Equal("page", forAdmin.One("nav a[href='/models']")!.GetAttribute("aria-current"));
    }

    [Fact]
    public async Task Every_page_starts_with_a_skip_link_to_the_main_content()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/");

        Assert.Equal("#main", page.One("body a")!.GetAttribute("href"));
        Assert.NotNull(page.One("main#main"));
        Assert.Equal("en", page.Document.DocumentElement.GetAttribute("lang"));
    }
}
