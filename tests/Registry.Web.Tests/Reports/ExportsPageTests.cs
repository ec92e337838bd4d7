using System.Net;
using Registry.Web.Tests.Portal;

namespace Registry.Web.Tests.Reports;

/// <summary>/reports: linked from the navigation for those who may export, its forms point at the export API, and nobody else gets it.</summary>
public sealed class ExportsPageTests(ExportsPageTests.Fixture app) : IClassFixture<ExportsPageTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();

            // An account whose roles were all revoked: signed in, but allowed nothing.
            await AddPersonAsync("nora", "Nora Noroles");
        }
    }

    [Fact]
    public async Task A_data_scientist_finds_the_exports_in_the_navigation_with_the_period_report_and_evidence_forms()
    {
        using var browser = app.BrowserFor("zoe");

        var models = await browser.GetAsync("/models");
        var page = await browser.GetAsync("/reports");

        Assert.NotNull(models.One("nav a[href='/reports']"));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("page", page.One("nav a[href='/reports']")!.GetAttribute("aria-current"));
        var activity = page.One("form[action='/api/v1/reports/activity.pdf']")!;
        Assert.Equal("get", activity.GetAttribute("method"));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", activity.QuerySelector("input[name=from]")!.GetAttribute("value")!);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", activity.QuerySelector("input[name=to]")!.GetAttribute("value")!);
        Assert.NotNull(page.One("form[action='/api/v1/evidence'] input[name=from][type=date]"));
        Assert.Null(page.One("a[href='/api/v1/reports/access.pdf']"));
    }

    [Theory]
    [InlineData("priya")]
    [InlineData("amara")]
    [InlineData("kwame")]
    public async Task Auditors_compliance_and_admins_also_get_the_access_report(string username)
    {
        using var browser = app.BrowserFor(username);

        var page = await browser.GetAsync("/reports");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.NotNull(page.One("a[href='/api/v1/reports/access.pdf']"));
    }

    [Fact]
    public async Task The_form_s_period_downloads_a_PDF_from_the_activity_report()
    {
        using var browser = app.BrowserFor("priya");
        var page = await browser.GetAsync("/reports");
        var activity = page.One("form[action='/api/v1/reports/activity.pdf']")!;
        using var client = app.As("priya");

        var response = await client.GetAsync(new Uri(
            $"/api/v1/reports/activity.pdf?from={activity.QuerySelector("input[name=from]")!.GetAttribute("value")}&to={activity.QuerySelector("input[name=to]")!.GetAttribute("value")}",
            UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var pdf = new PdfFile(await response.Content.ReadAsByteArrayAsync());
        Assert.True(pdf.Pages >= 1);
    }

    [Fact]
    public async Task Someone_without_a_role_is_forbidden_the_page()
    {
        using var client = app.As("nora");

        var page = await client.GetAsync(new Uri("/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.DoesNotContain("activity.pdf", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in()
    {
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(new Uri("/reports", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in", response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.PathAndQuery : response.Headers.Location.OriginalString, StringComparison.Ordinal);
    }
}
