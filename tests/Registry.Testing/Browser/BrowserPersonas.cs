// Signing a persona in through the portal's own sign-in form, as a person would.
using Microsoft.Playwright;

namespace Registry.Testing.Browser;

public static class BrowserPersonas
{
    /// <summary>A fresh browser context signed in as <paramref name="persona"/>, on the dashboard.</summary>
    public static async Task<IPage> SignedInPageAsync(this PortalBrowser portal, Persona persona, int width = 1280, int height = 900)
    {
        var page = await portal.NewPageAsync(width, height);
        await page.GotoAsync("/account/sign-in");
        await page.Locator("#username").FillAsync(persona.Username);
        await page.Locator("#password").FillAsync(persona.Password);
        await page.Locator("form button[type=submit]").Filter(new LocatorFilterOptions { HasText = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/sign-in", StringComparison.Ordinal));
        return page;
    }
}
