// Screenshots of portal pages. Every run saves them as test artifacts (test-results/screenshots,
// ignored by git); the guide's pictures (docs/guide/img, tracked) are replaced only when asked
// with REGISTRY_UPDATE_GUIDE_SCREENSHOTS=1, so running the tests leaves the checkout clean.
using Microsoft.Playwright;
using Registry.Web.Hosting;

namespace Registry.Testing.Browser;

public static class Screenshots
{
    /// <summary>Set to 1 to refresh the guide's pictures from this run (see docs/portal.md).</summary>
    public const string UpdateGuideVariable = "REGISTRY_UPDATE_GUIDE_SCREENSHOTS";

    public static string GuideFolder => Path.Combine(RepositoryRoot.Find(), "docs", "guide", "img");

    public static string ArtifactFolder => Path.Combine(RepositoryRoot.Find(), "test-results", "screenshots");

    public static bool UpdatesGuide => Environment.GetEnvironmentVariable(UpdateGuideVariable) == "1";

    /// <summary>Captures the whole page as <paramref name="name"/>.png among the artifacts (and in the guide when asked); returns the artifact's path.</summary>
    public static async Task<string> SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ArtifactFolder);
        var artifact = Path.Combine(ArtifactFolder, name + ".png");
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Path = artifact });
        if (UpdatesGuide)
        {
            Directory.CreateDirectory(GuideFolder);
            await File.WriteAllBytesAsync(Path.Combine(GuideFolder, name + ".png"), bytes);
        }

        return artifact;
    }

    /// <summary>Captures the whole page as <paramref name="name"/>.jpg among the artifacts only (never the guide's pictures); JPEG, as it is quicker to encode.</summary>
    public static async Task<string> SaveArtifactAsync(IPage page, string name)
    {
        var artifact = Path.Combine(ArtifactFolder, name + ".jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Path = artifact, Type = ScreenshotType.Jpeg, Quality = 70 });
        return artifact;
    }
}
