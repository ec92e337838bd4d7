using AngleSharp.Html.Parser;

namespace Registry.Web.Tests.Identity;

public sealed class SecurityHeadersTests(IdentityApp app) : IClassFixture<IdentityApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/account/sign-in")]
    [InlineData("/api/v1/me")]
    public async Task Every_response_forbids_inline_script_framing_and_sniffing(string path)
    {
        using var client = app.CreateClient();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var scriptSources = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src ", StringComparison.Ordinal));
        Assert.DoesNotContain("unsafe-inline", scriptSources, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", scriptSources, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task The_sign_in_form_carries_an_antiforgery_token_and_the_page_no_inline_script()
    {
        using var client = app.CreateClient();

        var document = new HtmlParser().ParseDocument(await client.GetStringAsync(new Uri("/account/sign-in", UriKind.Relative)));

        var form = Assert.Single(document.QuerySelectorAll("form[method=post]"));
        Assert.NotNull(form.QuerySelector("input[name=__RequestVerificationToken]"));
        Assert.All(document.QuerySelectorAll("script"), s => Assert.False(string.IsNullOrEmpty(s.GetAttribute("src"))));
    }
}
