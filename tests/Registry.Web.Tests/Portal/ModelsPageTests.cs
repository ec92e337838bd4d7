using System.Net;

namespace Registry.Web.Tests.Portal;

public sealed class ModelsPageTests(ModelsPageTests.Fixture app) : IClassFixture<ModelsPageTests.Fixture>
{
    public sealed class Fixture : PortalApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            for (var i = 0; i < 30; i++)
            {
                await CreateModelAsync($"fleet-{i:00}", riskTier: i % 3 == 0 ? "high" : "low", owner: i % 2 == 0 ? "zoe" : "hanako");
            }

            await CreateModelAsync("churn-classifier", description: "Predicts churn of retail customers");
            await ApprovedVersionAsync("churn-classifier");
            await DeployAsync("churn-classifier", 1, "production");
            await DeployAsync("churn-classifier", 1, "staging");
        }
    }

    [Fact]
    public async Task The_list_shows_each_model_with_its_risk_latest_status_and_where_it_runs()
    {
        using var browser = app.BrowserFor("priya");

        var page = await browser.GetAsync("/models?q=churn");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var row = page.One("tr[data-model='churn-classifier']")!;
        Assert.Contains("Medium risk", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("v1", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("approved", row.QuerySelector("[data-state='approved']")?.GetAttribute("data-state"));
        Assert.Contains("production", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("/models/churn-classifier", row.QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task A_search_counts_a_model_registered_after_the_same_search_was_shown()
    {
        using var browser = app.BrowserFor("priya");

        var before = await browser.GetAsync("/models?q=Walrus");
        await app.CreateModelAsync("walrus-counter", description: "Counts WALRUSES");
        var after = await browser.GetAsync("/models?q=Walrus");

        Assert.Empty(before.All("tr[data-model]"));
        Assert.Equal(["walrus-counter"], after.All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
        Assert.Equal("0 matching models", before.One(".rg-sub")!.TextContent.Trim());
        Assert.Equal("1 matching model", after.One(".rg-sub")!.TextContent.Trim());
    }

    [Fact]
    public async Task Filters_live_in_the_query_string_and_combine()
    {
        using var browser = app.BrowserFor("zoe");

        var page = await browser.GetAsync("/models?riskTier=high&owner=zoe");

        var names = page.All("tr[data-model]").Select(r => r.GetAttribute("data-model")).ToList();
        Assert.Equal(["fleet-00", "fleet-06", "fleet-12", "fleet-18", "fleet-24"], names);
        Assert.Equal("high", page.One("#f-risk option[selected]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task Filtering_by_environment_keeps_only_models_running_there()
    {
        using var browser = app.BrowserFor("zoe");

        var page = await browser.GetAsync("/models?environment=production");

        Assert.Equal(["churn-classifier"], page.All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
    }

    [Fact]
    public async Task Filtering_by_the_latest_version_s_status_keeps_only_models_in_that_state()
    {
        using var browser = app.BrowserFor("zoe");

        var approved = await browser.GetAsync("/models?status=approved");
        var withoutVersions = await browser.GetAsync("/models?status=none&pageSize=100");

        Assert.Equal(["churn-classifier"], approved.All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
        Assert.Equal("approved", approved.One("#f-status option[selected]")!.GetAttribute("value"));
        var names = withoutVersions.All("tr[data-model]").Select(r => r.GetAttribute("data-model")).ToList();
        Assert.Equal(30, names.Count);
        Assert.All(names, name => Assert.StartsWith("fleet-", name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_owner_and_environment_filters_offer_each_value_in_use_once_in_order()
    {
        using var browser = app.BrowserFor("zoe");

        var page = await browser.GetAsync("/models?environment=staging");

        Assert.Equal(["hanako", "zoe"], page.All("#f-owners option").Select(o => o.GetAttribute("value")));
        Assert.Equal(["", "production", "staging"], page.All("#f-env option").Select(o => o.GetAttribute("value")));
        Assert.Equal("staging", page.One("#f-env option[selected]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task Sorting_and_paging_are_links_that_keep_the_filters()
    {
        using var browser = app.BrowserFor("zoe");

        var first = await browser.GetAsync("/models?q=fleet&sort=name&dir=desc");
        Assert.Equal("fleet-29", first.All("tr[data-model]")[0].GetAttribute("data-model"));
        Assert.Equal(25, first.All("tr[data-model]").Count);
        Assert.Equal("descending", first.One("th[aria-sort]")!.GetAttribute("aria-sort"));

        var next = first.One("a[rel=next]")!.GetAttribute("href")!;
        Assert.Contains("q=fleet", next, StringComparison.Ordinal);
        Assert.Contains("dir=desc", next, StringComparison.Ordinal);
        var second = await browser.GetAsync(next);
        Assert.Equal(["fleet-04", "fleet-03", "fleet-02", "fleet-01", "fleet-00"], second.All("tr[data-model]").Select(r => r.GetAttribute("data-model")));
    }

    [Fact]
    public async Task A_search_without_results_says_so_and_offers_to_clear_the_filters()
    {
        using var browser = app.BrowserFor("zoe");

        var page = await browser.GetAsync("/models?q=no-such-model-anywhere");

        Assert.Contains("No model matches these filters", page.Text, StringComparison.Ordinal);
        Assert.NotNull(page.One(".rg-empty a[href='/models']"));
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in()
    {
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(new Uri("/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/sign-in", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }
}
