using System.Net;

namespace Registry.Web.Tests.Portal;

/// <summary>The error and not-found pages help: they say what happened, what did not, and where to go.</summary>
public sealed class ErrorPagesTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task The_error_page_says_nothing_was_half_recorded_and_gives_the_operators_a_reference()
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync(new Uri("/error", UriKind.Relative));
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

        Assert.Equal("Something went wrong", page.QuerySelector("h1")!.TextContent);
        Assert.Contains("Nothing you submitted was half-recorded", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("appended whole or not at all", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(page.QuerySelector("main code")?.TextContent), "the page gives no reference for the operators");
        Assert.NotNull(page.QuerySelector("main a[href='/']"));
    }

    [Fact]
    public async Task An_unknown_address_is_a_404_that_offers_the_dashboard_and_the_model_search()
    {
        using var browser = app.BrowserFor("zoe");

        var page = await browser.GetAsync("/no-such-page");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Equal("This page does not exist", page.One("h1")!.TextContent);
        Assert.NotNull(page.One("main a[href='/models']"));
    }
}
