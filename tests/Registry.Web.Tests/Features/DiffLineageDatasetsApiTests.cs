using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Registry.Web.Tests.Features;

public sealed class DiffLineageDatasetsApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task Diff_reports_datasets_dependencies_parameters_metrics_and_notes()
    {
        await app.CreateModelAsync("diffed");
        await app.RegisterAsync("diffed", notes: "baseline\nno tuning");
        var second = RegistryApiFixture.VersionBody(Hashes.B, parentVersion: 1, notes: "baseline\ntuned depth");
        second["dependencies"] = new JsonArray(
            new JsonObject { ["ecosystem"] = "pypi", ["name"] = "scikit-learn", ["version"] = "1.5.0" },
            new JsonObject { ["ecosystem"] = "pypi", ["name"] = "numpy", ["version"] = "2.0.0" });
        second["parameters"]!["depth"] = 8;
        second["metrics"]!["auc"] = 0.86;
        Assert.Equal(HttpStatusCode.Created, (await app.As("dana").PostAsJsonAsync("/api/v1/models/diffed/versions", second)).StatusCode);

        var diff = await (await app.As("audrey").GetAsync("/api/v1/models/diffed/diff?from=1&to=2")).JsonAsync();

        var dataset = Assert.Single(diff.GetProperty("datasets").GetProperty("changed").EnumerateArray());
        Assert.Equal((Hashes.A, Hashes.B), (dataset.GetProperty("from").GetProperty("sha256").GetString(), dataset.GetProperty("to").GetProperty("sha256").GetString()));
        var upgrade = Assert.Single(diff.GetProperty("dependencies").GetProperty("changed").EnumerateArray());
        Assert.Equal(("upgraded", "1.4.2", "1.5.0"), (upgrade.GetProperty("change").GetString(), upgrade.GetProperty("fromVersion").GetString(), upgrade.GetProperty("toVersion").GetString()));
        Assert.Equal("numpy", Assert.Single(diff.GetProperty("dependencies").GetProperty("added").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(8, Assert.Single(diff.GetProperty("parameters").GetProperty("changed").EnumerateArray()).GetProperty("to").GetInt32());
        Assert.Equal(0.05, Assert.Single(diff.GetProperty("metrics").GetProperty("changed").EnumerateArray()).GetProperty("delta").GetDouble(), 6);
        Assert.Contains(diff.GetProperty("notes").EnumerateArray(), l => l.GetProperty("kind").GetString() == "inserted" && l.GetProperty("text").GetString() == "tuned depth");
    }

    [Fact]
    public async Task Diff_failures_are_400_for_missing_versions_and_404_for_unknown_ones()
    {
        await app.CreateModelAsync("diff-fail");
        await app.RegisterAsync("diff-fail");

        await (await app.As("audrey").GetAsync("/api/v1/models/diff-fail/diff?to=1")).ProblemAsync(HttpStatusCode.BadRequest, "from");
        await (await app.As("audrey").GetAsync("/api/v1/models/diff-fail/diff?from=1")).ProblemAsync(HttpStatusCode.BadRequest, "to");
        await (await app.As("audrey").GetAsync("/api/v1/models/diff-fail/diff?from=x&to=1")).ProblemAsync(HttpStatusCode.BadRequest, "from");
        await (await app.As("audrey").GetAsync("/api/v1/models/diff-fail/diff?from=1&to=4")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("audrey").GetAsync("/api/v1/models/ghost/diff?from=1&to=2")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Lineage_holds_datasets_parents_and_deployments()
    {
        await app.CreateModelAsync("lineage");
        await app.RegisterAsync("lineage");
        await app.RegisterAsync("lineage", datasetSha: Hashes.B, parentVersion: 1);
        await app.DeployAsync("lineage", 2, "staging");

        var graph = await (await app.As("audrey").GetAsync("/api/v1/models/lineage/versions/2/lineage")).JsonAsync();

        var ids = graph.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "version:lineage@1", "version:lineage@2", "dataset:" + Hashes.A, "dataset:" + Hashes.B, "deployment:lineage@2#1" }, ids);
        Assert.Contains(graph.GetProperty("edges").EnumerateArray(), e => e.GetProperty("kind").GetString() == "parent-of" && e.GetProperty("from").GetString() == "version:lineage@1");
        await (await app.As("audrey").GetAsync("/api/v1/models/lineage/versions/3/lineage")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Dataset_usages_list_every_version_of_every_model_that_used_the_content()
    {
        const string Shared = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
        await app.CreateModelAsync("uses-a");
        await app.CreateModelAsync("uses-b");
        await app.RegisterAsync("uses-a", datasetSha: Shared);
        await app.RegisterAsync("uses-b", datasetSha: Shared);
        await app.RegisterAsync("uses-b", datasetSha: Hashes.B);

        var usages = await (await app.As("audrey").GetAsync($"/api/v1/datasets/{Shared}/usages")).JsonAsync();

        Assert.Equal(2, usages.GetProperty("total").GetInt32());
        Assert.Equal(["uses-a@1", "uses-b@1"], usages.GetProperty("items").EnumerateArray().Select(u => $"{u.GetProperty("model").GetString()}@{u.GetProperty("version").GetInt32()}").Order(StringComparer.Ordinal));
        await (await app.As("audrey").GetAsync("/api/v1/datasets/not-a-hash/usages")).ProblemAsync(HttpStatusCode.BadRequest, "sha256");
        Assert.Equal(0, (await (await app.As("audrey").GetAsync($"/api/v1/datasets/{new string('e', 64)}/usages")).JsonAsync()).GetProperty("total").GetInt32());
    }
}
