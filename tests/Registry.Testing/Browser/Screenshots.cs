// Screenshots of portal pages: the guide's pictures (docs/guide/img/<page>.png) and the test
// run's artifacts (test-results/screenshots/<page>.png) come from the same capture.
using Microsoft.Playwright;
using Registry.Web.Hosting;

namespace Registry.Testing.Browser;

public static class Screenshots
{
    public static string GuideFolder => Path.Combine(RepositoryRoot.Find(), "docs", "guide", "img");

    public static string ArtifactFolder => Path.Combine(RepositoryRoot.Find(), "test-results", "screenshots");

    /// <summary>Captures the whole page as <paramref name="name"/>.png in both folders; returns the artifact's path.</summary>
    public static async Task<string> SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(GuideFolder);
        Directory.CreateDirectory(ArtifactFolder);
        var artifact = Path.Combine(ArtifactFolder, name + ".png");
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Path = artifact });
        await File.WriteAllBytesAsync(Path.Combine(GuideFolder, name + ".png"), bytes);
        return artifact;
    }
}
