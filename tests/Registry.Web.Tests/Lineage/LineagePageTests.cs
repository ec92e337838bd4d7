using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Testing;
using Registry.Web.Tests.Features;

namespace Registry.Web.Tests.Lineage;

/// <summary>/models/{name}/versions/{v}/lineage and /datasets/{sha256} over HTTP, on data registered through the API.</summary>
public sealed class LineagePageTests(LineagePageTests.Fixture fixture) : IClassFixture<LineagePageTests.Fixture>
{
    public const string Evil = "<img src=x onerror=alert(1)>";

    public sealed class Fixture : RegistryApiFixture
    {
        public DateTimeOffset BeforeV2 { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await CreateModelAsync("churn");
            await CreateModelAsync("upsell");
            var v1 = await RegisterAsync("churn", datasetSha: Hashes.A);
            await Task.Delay(20);
            BeforeV2 = DateTimeOffset.UtcNow;
            await Task.Delay(20);
            var body = VersionBody(Hashes.B, parentVersion: v1);
            ((JsonArray)body["datasets"]!).Add(new JsonObject { ["name"] = Evil, ["role"] = "validation", ["sha256"] = Hashes.C });
            Assert.Equal(HttpStatusCode.Created, (await As("dana").PostAsJsonAsync("/api/v1/models/churn/versions", body)).StatusCode);
            await DeployAsync("churn", 2, "staging");
            await RegisterAsync("upsell", datasetSha: Hashes.A);
        }
    }

    [Fact]
    public async Task A_version_s_lineage_lists_its_datasets_its_parent_chain_and_its_deployments_each_linked()
    {
        var page = await fixture.As("audrey").GetPageAsync("/models/churn/versions/2/lineage");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var links = page.Document.QuerySelectorAll(".lineage-list a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains($"/datasets/{Hashes.A}", links);
        Assert.Contains($"/datasets/{Hashes.B}", links);
        Assert.Contains($"/datasets/{Hashes.C}", links);
        Assert.Contains("/models/churn/versions/1", links);
        Assert.Contains("/models/churn/versions/2", links);
        Assert.Contains("/models/churn#deployments", links);
        Assert.Equal("page", page.Document.QuerySelector(".lineage-list a[href='/models/churn/versions/2']")!.GetAttribute("aria-current"));
        Assert.Contains(page.Document.QuerySelectorAll(".lineage-edges-list li"), li => li.TextContent.Contains("churn v1", StringComparison.Ordinal) && li.TextContent.Contains("(parent of)", StringComparison.Ordinal));
        Assert.Contains(page.Document.QuerySelectorAll(".lineage-edges-list li"), li => li.TextContent.Contains("staging", StringComparison.Ordinal) && li.TextContent.Contains("(deployed to)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_drawing_data_holds_the_same_nodes_and_edges_as_the_list_and_the_scripts_are_files()
    {
        var page = await fixture.As("audrey").GetPageAsync("/models/churn/versions/2/lineage");

        var figure = page.Document.QuerySelector("figure[data-lineage-graph]")!;
        var graph = JsonDocument.Parse(figure.GetAttribute("data-graph")!).RootElement;
        Assert.Equal(page.Document.QuerySelectorAll(".lineage-list li[data-node]").Length, graph.GetProperty("nodes").GetArrayLength());
        Assert.Equal(page.Document.QuerySelectorAll(".lineage-edges-list li").Length, graph.GetProperty("edges").GetArrayLength());
        var scripts = page.Document.QuerySelectorAll("script").Select(s => s.GetAttribute("src")).ToList();
        Assert.Contains("/lib/dagre/dagre.min.js", scripts);
        Assert.Contains("/js/lineage-graph.js", scripts);
        Assert.DoesNotContain(page.Document.QuerySelectorAll("script"), s => s.GetAttribute("src") is null && s.GetAttribute("type") is null);
        Assert.Equal(HttpStatusCode.OK, (await fixture.As("audrey").GetAsync(new Uri("/js/lineage-graph.js", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task As_of_a_time_before_the_version_existed_the_page_says_so_with_a_404()
    {
        var asOf = Uri.EscapeDataString(fixture.BeforeV2.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));

        var before = await fixture.As("audrey").GetPageAsync($"/models/churn/versions/2/lineage?asOf={asOf}");
        var v1Then = await fixture.As("audrey").GetPageAsync($"/models/churn/versions/1/lineage?asOf={asOf}");

        Assert.Equal(HttpStatusCode.NotFound, before.Status);
        Assert.Contains("had no version 2 yet", before.Text, StringComparison.Ordinal);
        Assert.NotNull(before.Document.QuerySelector(".rg-asof-banner"));
        Assert.Equal(HttpStatusCode.OK, v1Then.Status);
        Assert.NotNull(v1Then.Document.QuerySelector(".rg-asof-banner"));
        Assert.DoesNotContain(v1Then.Document.QuerySelectorAll(".lineage-list a"), a => a.GetAttribute("href") == "/models/churn/versions/2");
    }

    [Fact]
    public async Task An_unknown_version_or_model_is_a_404_and_an_unreadable_time_a_400()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.As("audrey").GetPageAsync("/models/churn/versions/9/lineage")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.As("audrey").GetPageAsync("/models/nope/versions/1/lineage")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.As("audrey").GetPageAsync("/models/churn/versions/1/lineage?asOf=last-tuesday")).Status);
    }

    [Fact]
    public async Task A_dataset_page_finds_every_version_of_every_model_that_used_that_content()
    {
        var page = await fixture.As("carla").GetPageAsync($"/datasets/{Hashes.A}");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var versions = page.Document.QuerySelectorAll("#dataset-usages-title ~ div tbody tr").Select(r => r.QuerySelector("a")!.TextContent).ToList();
        Assert.Equal(["upsell v1", "churn v1"], versions);
        Assert.Equal("page", page.Document.QuerySelector($".lineage-list a[href='/datasets/{Hashes.A}']")!.GetAttribute("aria-current"));
    }

    [Fact]
    public async Task A_dataset_page_shows_the_deployments_of_the_versions_that_used_it()
    {
        var page = await fixture.As("carla").GetPageAsync($"/datasets/{Hashes.B}");

        Assert.Contains(page.Document.QuerySelectorAll(".lineage-edges-list li"), li => li.TextContent.Contains("churn v2", StringComparison.Ordinal) && li.TextContent.Contains("staging", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unused_hash_is_a_404_and_a_malformed_one_a_400()
    {
        var unused = await fixture.As("carla").GetPageAsync($"/datasets/{new string('d', 64)}");
        var malformed = await fixture.As("carla").GetPageAsync("/datasets/not-a-hash");

        Assert.Equal(HttpStatusCode.NotFound, unused.Status);
        Assert.Contains("No version used this content", unused.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
    }

    [Fact]
    public async Task Dataset_names_are_text_in_the_list_and_in_the_drawing_data()
    {
        var response = await fixture.As("audrey").GetAsync(new Uri($"/datasets/{Hashes.C}", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        var page = await fixture.As("audrey").GetPageAsync($"/datasets/{Hashes.C}");

        Assert.DoesNotContain(Evil, html, StringComparison.Ordinal);
        Assert.Empty(page.Document.QuerySelectorAll("img[onerror]"));
        var graph = JsonDocument.Parse(page.Document.QuerySelector("figure")!.GetAttribute("data-graph")!).RootElement;
        Assert.Contains(graph.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("label").GetString() == Evil);
        Assert.Contains(page.Document.QuerySelectorAll(".lineage-list li"), li => li.TextContent.Contains(Evil, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in()
    {
        using var client = fixture.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/models/churn/versions/1/lineage", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri($"/datasets/{Hashes.A}", UriKind.Relative))).StatusCode);
    }
}
