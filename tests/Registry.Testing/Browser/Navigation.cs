// Navigations in the browser tests wait for DOMContentLoaded, never for `load`.
using Microsoft.Playwright;

namespace Registry.Testing.Browser;

/// <remarks>
/// On the loaded two-core machine (CI runs every test assembly at once) Chromium several times committed
/// a navigation and built the document, yet its `load` event had not come 30 s later, and Playwright's
/// default waits (`GotoAsync`, `WaitForURLAsync`, `SetContentAsync` all wait for `load`) failed a page
/// that was there. The portal renders on the server, and its only script is deferred, so the document is
/// complete at DOMContentLoaded: what a test then checks is waited for by its own locator.
/// </remarks>
public static class Navigation
{
    /// <summary>Goes to <paramref name="url"/> (relative to the portal) and returns its response once the document is parsed.</summary>
    public static Task<IResponse?> OpenAsync(this IPage page, string url) =>
        page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });

    /// <summary>Waits until the page is at a URL that <paramref name="matches"/>, and its document is parsed.</summary>
    public static Task ArriveAsync(this IPage page, Func<string, bool> matches) =>
        page.WaitForURLAsync(matches, new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });

    /// <summary>Replaces the page's document with <paramref name="html"/>, waiting until it is parsed.</summary>
    public static Task ShowAsync(this IPage page, string html) =>
        page.SetContentAsync(html, new PageSetContentOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
}
