// Signing a persona in through the portal's own sign-in form, as a person would.
using Microsoft.Playwright;

namespace Registry.Testing.Browser;

public static class BrowserPersonas
{
    /// <summary>A fresh browser context signed in as <paramref name="persona"/>, on the dashboard.</summary>
    public static async Task<IPage> SignedInPageAsync(this PortalBrowser portal, Persona persona, int width = 1280, int height = 900)
    {
        var page = await portal.NewPageAsync(width, height);
        await page.SignInAsync(persona);
        return page;
    }

    /// <summary>Fills and submits the sign-in form, then waits until the page shows <paramref name="persona"/> signed in.</summary>
    /// <remarks>
    /// It waits for the signed-in header, not for the dashboard's <c>load</c> event: on a starved two-core
    /// machine the redirect had committed (the sign-in had succeeded) but <c>load</c> had not come within
    /// 30 s, and <c>WaitForURLAsync</c>, which also waits for <c>load</c>, failed a sign-in that worked.
    /// A refused sign-in fails at once with the page's own message instead of a time-out.
    /// </remarks>
    public static async Task SignInAsync(this IPage page, Persona persona)
    {
        await page.OpenAsync("/account/sign-in");
        await page.Locator("#username").FillAsync(persona.Username);
        await page.Locator("#password").FillAsync(persona.Password);
        await page.Locator("form button[type=submit]").Filter(new LocatorFilterOptions { HasText = "Sign in" }).ClickAsync();

        var signedIn = page.Locator($".rg-user-name[data-username='{persona.Username}']");
        var refused = page.Locator("#signin-error");
        await Assertions.Expect(signedIn.Or(refused)).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 60_000 });
        if (await refused.IsVisibleAsync())
        {
            throw new InvalidOperationException($"Signing in as {persona.Username} was refused: {await refused.InnerTextAsync()}");
        }
    }
}
