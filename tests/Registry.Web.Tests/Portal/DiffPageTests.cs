using System.Text.Json.Nodes;

namespace Registry.Web.Tests.Portal;

public sealed class DiffPageTests(DiffPageTests.Fixture app) : IClassFixture<DiffPageTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreateModelAsync("churn");
            await RegisterAsync("churn");
            await RegisterAsync("churn", customise: body =>
            {
                body["datasets"] = new JsonArray(
                    new JsonObject { ["name"] = "customers", ["role"] = "training", ["sha256"] = Hash("customers-2025"), ["rows"] = 12_000 },
                    new JsonObject { ["name"] = "extra", ["role"] = "validation", ["sha256"] = Hash("extra") });
                body["dependencies"] = new JsonArray(
                    new JsonObject { ["ecosystem"] = "pypi", ["name"] = "xgboost", ["version"] = "2.0.3" },
                    new JsonObject { ["ecosystem"] = "pypi", ["name"] = "pandas", ["version"] = "1.5.3" },
                    new JsonObject { ["ecosystem"] = "pypi", ["name"] = "shap", ["version"] = "0.44.1" });
                body["parameters"] = new JsonObject { ["max_depth"] = 8, ["objective"] = "binary:logistic" };
                body["metrics"] = new JsonObject { ["auc"] = 0.88, ["logloss"] = 0.35 };
                body["notes"] = "Baseline model.\nThreshold 0.40.";
            });
        }
    }

    [Fact]
    public async Task Dependencies_are_marked_added_removed_upgraded_and_downgraded_in_words_and_symbols()
    {
        using var browser = app.BrowserFor("amara");

        var page = await browser.GetAsync("/models/churn/diff?from=1&to=2");

        var section = page.One("#d-deps")!.ParentElement!;
        Assert.Contains("↑ upgraded", section.QuerySelector("tr[data-change='upgraded']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("xgboost", section.QuerySelector("tr[data-change='upgraded']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("↓ downgraded", section.QuerySelector("tr[data-change='downgraded']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("+ added", section.QuerySelector("tr[data-change='added']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dependency_the_later_pick_no_longer_has_is_marked_removed_in_words_and_symbol()
    {
        using var browser = app.BrowserFor("amara");

        var page = await browser.GetAsync("/models/churn/diff?from=2&to=1");

        var section = page.One("#d-deps")!.ParentElement!;
        var removed = section.QuerySelectorAll("tr[data-change='removed']");
        Assert.Single(removed);
        Assert.Contains("shap", removed[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("0.44.1", removed[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("− removed", removed[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("xgboost", section.QuerySelector("tr[data-change='downgraded']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Datasets_parameters_metrics_and_notes_show_what_changed()
    {
        using var browser = app.BrowserFor("amara");

        var page = await browser.GetAsync("/models/churn/diff?from=1&to=2");

        var datasets = page.One("#d-datasets")!.ParentElement!;
        Assert.Contains("customers", datasets.QuerySelector("tr[data-change='changed']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("extra", datasets.QuerySelector("tr[data-change='added']")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("holdout", datasets.QuerySelector("tr[data-change='removed']")!.TextContent, StringComparison.Ordinal);

        var auc = page.All("#d-metrics ~ div tr, #d-metrics + div tr").First(r => r.TextContent.Contains("auc", StringComparison.Ordinal));
        Assert.Contains("↑", auc.TextContent, StringComparison.Ordinal);
        Assert.Contains("+0.02", auc.TextContent, StringComparison.Ordinal);
        Assert.Contains("better", auc.TextContent, StringComparison.Ordinal);
        var logloss = page.All("#d-metrics ~ div tr, #d-metrics + div tr").First(r => r.TextContent.Contains("logloss", StringComparison.Ordinal));
        Assert.Contains("↓", logloss.TextContent, StringComparison.Ordinal);
        Assert.Contains("better", logloss.TextContent, StringComparison.Ordinal);

        Assert.Contains("max_depth", page.One("#d-params")!.ParentElement!.QuerySelector("tr[data-change='changed']")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("− Threshold 0.42.", page.One("[data-line='deleted']")!.TextContent);
        Assert.Equal("+ Threshold 0.40.", page.One("[data-line='inserted']")!.TextContent);
    }

    [Fact]
    public async Task Two_versions_are_picked_with_a_plain_get_form()
    {
        using var browser = app.BrowserFor("amara");
        var page = await browser.GetAsync("/models/churn/diff");

        var swapped = await browser.SubmitAsync(page, "form[method=get]", new Dictionary<string, string> { ["from"] = "2", ["to"] = "1" });

        Assert.Contains("churn: v2 → v1", swapped.One("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("↓ downgraded", swapped.One("tr[data-change='downgraded']")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_versions_are_named_with_the_ones_that_exist()
    {
        using var browser = app.BrowserFor("amara");

        var page = await browser.GetAsync("/models/churn/diff?from=1&to=9");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, page.Status);
        Assert.Contains("churn has versions v1, v2", page.Text, StringComparison.Ordinal);
    }
}
