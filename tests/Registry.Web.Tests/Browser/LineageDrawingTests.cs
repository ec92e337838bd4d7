using Microsoft.Playwright;
using Registry.Testing.Browser;

namespace Registry.Web.Tests.Browser;

/// <summary>wwwroot/js/lineage-graph.js in the system Chromium, fed a graph the way LineageGraphView renders it.</summary>
[Collection(BrowserTests.Collection)]
public sealed class LineageDrawingTests(PortalBrowser portal) : IClassFixture<PortalBrowser>, IAsyncLifetime
{
    private const string Graph = """
        {"nodes":[
          {"id":"dataset:aa","kind":"dataset","label":"customers.parquet","detail":"sha256 aaaaaaaaaaaa…","href":"/datasets/aa","current":false},
          {"id":"version:churn@1","kind":"version","label":"churn v1","detail":"approved","href":"/models/churn/versions/1","current":false},
          {"id":"version:churn@2","kind":"version","label":"churn v2 <script>alert(1)</script>","detail":"approved","href":"/models/churn/versions/2","current":true},
          {"id":"deployment:churn@2#1","kind":"deployment","label":"production","detail":"2026-11-21 12:00 UTC","href":"/models/churn#deployments","current":false}
        ],"edges":[
          {"from":"dataset:aa","to":"version:churn@1","label":"training"},
          {"from":"dataset:aa","to":"version:churn@2","label":"training"},
          {"from":"version:churn@1","to":"version:churn@2","label":"parent of"},
          {"from":"version:churn@2","to":"deployment:churn@2#1","label":"deployed to"}
        ]}
        """;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => portal.ClosePagesAsync();

    [Fact]
    public async Task Every_node_is_drawn_as_a_link_to_its_page_and_every_edge_as_an_arrow()
    {
        var page = await OpenHarnessAsync(Graph);

        var hrefs = await page.Locator("figure svg.lineage-svg a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        Assert.Equal(["/datasets/aa", "/models/churn#deployments", "/models/churn/versions/1", "/models/churn/versions/2"], hrefs.Order(StringComparer.Ordinal));
        Assert.Equal(4, await page.Locator("figure svg .lineage-edge").CountAsync());
        Assert.Equal("true", await page.Locator("figure").GetAttributeAsync("data-lineage-rendered"));
        Assert.Equal(1, await page.Locator("figure svg .lineage-current").CountAsync());
    }

    [Fact]
    public async Task Labels_are_drawn_as_text_never_as_markup()
    {
        var page = await OpenHarnessAsync(Graph);

        Assert.Equal(0, await page.Locator("figure svg script").CountAsync());
        Assert.Contains("<script>alert(1)</script>", await page.Locator("figure svg").TextContentAsync() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_layout_runs_left_to_right_from_datasets_to_deployments()
    {
        var page = await OpenHarnessAsync(Graph);

        var datasetX = await XOfAsync(page, "/datasets/aa");
        var parentX = await XOfAsync(page, "/models/churn/versions/1");
        var versionX = await XOfAsync(page, "/models/churn/versions/2");
        var deploymentX = await XOfAsync(page, "/models/churn#deployments");
        Assert.True(datasetX < parentX && parentX < versionX && versionX < deploymentX, $"x positions {datasetX}, {parentX}, {versionX}, {deploymentX}");
    }

    [Fact]
    public async Task A_node_of_the_drawing_is_reached_with_the_keyboard_and_shows_focus()
    {
        var page = await OpenHarnessAsync(Graph);

        await page.Locator("#before").FocusAsync();
        await page.Keyboard.PressAsync("Tab");

        var focused = await page.EvaluateAsync<string>("() => document.activeElement.getAttribute('href')");
        Assert.False(string.IsNullOrEmpty(focused));
        var stroke = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement.querySelector('.lineage-box')).strokeWidth");
        Assert.Equal("3.5px", stroke);
    }

    private async Task<IPage> OpenHarnessAsync(string graph)
    {
        var page = await portal.NewPageAsync();
        await page.OpenAsync("/health/live");
        var attribute = System.Net.WebUtility.HtmlEncode(graph);
        await page.ShowAsync($"""
            <!DOCTYPE html><html lang="en"><head><title>lineage</title>
            <link rel="stylesheet" href="/css/lineage.css">
            <script src="/lib/dagre/dagre.min.js"></script>
            <script src="/js/lineage-graph.js" defer></script></head>
            <body><a id="before" href="#">before</a><figure class="lineage-figure" id="g" data-lineage-graph data-graph="{attribute}" data-label="Lineage"></figure></body></html>
            """);
        await page.Locator("figure[data-lineage-rendered=true]").WaitForAsync();
        return page;
    }

    private static async Task<double> XOfAsync(IPage page, string href) =>
        await page.EvaluateAsync<double>("href => document.querySelector(`figure svg a[href=\"${href}\"]`).getBoundingClientRect().x", href);
}
