// axe-core (pinned in src/Registry.Web/package.json, installed by scripts/assets.sh) run inside
// the page. Evaluated through the DevTools protocol, so a Content-Security-Policy that forbids
// inline scripts does not stop it and need not be relaxed for the tests.
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Registry.Web.Hosting;

namespace Registry.Testing.Browser;

public static class Accessibility
{
    private static readonly Lazy<string> AxeSource = new(() =>
    {
        var path = Path.Combine(RepositoryRoot.Find(), "src", "Registry.Web", "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"axe-core is missing at {path}. Run `scripts/assets.sh` (or `make test`), which installs the pinned npm packages.");
        }

        return File.ReadAllText(path);
    });

    /// <summary>The serious and critical axe-core violations on the page as it is now, one line each (empty when there are none).</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            await page.EvaluateAsync(AxeSource.Value);
        }

        var result = await page.EvaluateAsync<JsonElement>(
            "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations" +
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')" +
            ".map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))");
        var lines = new List<string>();
        foreach (var violation in result.EnumerateArray())
        {
            var targets = string.Join(", ", violation.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
            lines.Add($"{violation.GetProperty("impact").GetString()} {violation.GetProperty("id").GetString()}: {violation.GetProperty("help").GetString()} at {targets}");
        }

        return lines;
    }

    /// <summary>Fails with every serious or critical violation listed, naming the page.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var violations = await SeriousViolationsAsync(page);
        if (violations.Count > 0)
        {
            var message = new StringBuilder($"axe-core found {violations.Count} serious or critical violation(s) on {page.Url}:");
            foreach (var line in violations)
            {
                message.Append("\n  ").Append(line);
            }

            throw new Xunit.Sdk.XunitException(message.ToString());
        }
    }
}
