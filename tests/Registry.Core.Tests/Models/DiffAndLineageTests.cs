using System.Text.Json;
using Registry.Core.Models;
using static Registry.Core.Tests.Models.Scenario;

namespace Registry.Core.Tests.Models;

public sealed class DiffAndLineageTests
{
    [Fact]
    public void A_dataset_with_the_same_role_and_name_but_a_new_hash_is_changed()
    {
        var from = Registered(1);
        var to = Registered(2, datasetSha: Sha2) with { Datasets = [new Dataset("customers", "training", "s3://data/customers.parquet", Sha2, 1000), new Dataset("holdout", "test", null, Sha3, 10)] };

        var diff = VersionDiff.Between(from, to);

        var change = Assert.Single(diff.Datasets.Changed);
        Assert.Equal(("training", "customers", Sha1, Sha2), (change.Role, change.Name, change.From.Sha256, change.To.Sha256));
        Assert.Equal("holdout", Assert.Single(diff.Datasets.Added).Name);
        Assert.Empty(diff.Datasets.Removed);
    }

    [Fact]
    public void Dependencies_are_added_removed_upgraded_and_downgraded_with_from_and_to()
    {
        var from = Registered(1) with { Dependencies = [new("pypi", "numpy", "1.9.0", null), new("pypi", "pandas", "2.2.0", null), new("pypi", "torch", "2.1", null)] };
        var to = Registered(2) with { Dependencies = [new("pypi", "numpy", "1.10.0", null), new("pypi", "pandas", "2.1.4", null), new("pypi", "xgboost", "2.0", null)] };

        var diff = VersionDiff.Between(from, to);

        Assert.Equal(["numpy upgraded 1.9.0→1.10.0", "pandas downgraded 2.2.0→2.1.4"], diff.Dependencies.Changed.Select(c => $"{c.Name} {c.Change} {c.FromVersion}→{c.ToVersion}"));
        Assert.Equal("xgboost", Assert.Single(diff.Dependencies.Added).Name);
        Assert.Equal("torch", Assert.Single(diff.Dependencies.Removed).Name);
    }

    [Theory]
    [InlineData("1.9", "1.10", -1)]
    [InlineData("2.0.0", "2.0", 1)]
    [InlineData("1.0.0", "1.0.0", 0)]
    [InlineData("1.0.0-rc1", "1.0.0-rc2", -1)]
    public void Versions_compare_numerically_part_by_part(string a, string b, int expected)
    {
        Assert.Equal(expected, VersionDiff.CompareVersions(a, b));
    }

    [Fact]
    public void Parameters_and_metrics_report_changes_and_metrics_their_delta()
    {
        var from = Registered(1) with
        {
            Parameters = new Dictionary<string, JsonElement> { ["depth"] = JsonSerializer.SerializeToElement(6), ["lr"] = JsonSerializer.SerializeToElement(0.1) },
            Metrics = new Dictionary<string, double> { ["auc"] = 0.80, ["f1"] = 0.5 },
        };
        var to = Registered(2) with
        {
            Parameters = new Dictionary<string, JsonElement> { ["depth"] = JsonSerializer.SerializeToElement(8), ["lr"] = JsonSerializer.SerializeToElement(0.1), ["seed"] = JsonSerializer.SerializeToElement("42") },
            Metrics = new Dictionary<string, double> { ["auc"] = 0.85, ["recall"] = 0.7 },
        };

        var diff = VersionDiff.Between(from, to);

        var depth = Assert.Single(diff.Parameters.Changed);
        Assert.Equal(("depth", "6", "8"), (depth.Name, depth.From.GetRawText(), depth.To.GetRawText()));
        Assert.Equal("seed", Assert.Single(diff.Parameters.Added).Name);
        var auc = Assert.Single(diff.Metrics.Changed);
        Assert.Equal(0.05, auc.Delta, 6);
        Assert.Equal("recall", Assert.Single(diff.Metrics.Added).Name);
        Assert.Equal("f1", Assert.Single(diff.Metrics.Removed).Name);
    }

    [Fact]
    public void Notes_are_compared_line_by_line()
    {
        var diff = VersionDiff.Between(Registered(1, notes: "trained on Q1\nno tuning"), Registered(2, notes: "trained on Q1\ntuned depth"));

        Assert.Equal(["unchanged trained on Q1", "deleted no tuning", "inserted tuned depth"], diff.Notes.Select(l => $"{l.Kind} {l.Text}"));
        Assert.Empty(VersionDiff.Between(Registered(1), Registered(2)).Notes);
    }

    [Fact]
    public void Lineage_holds_the_datasets_the_parent_chain_and_the_deployments()
    {
        var state = Given(Created(), Registered(1), Registered(2, parent: 1, datasetSha: Sha2), Registered(3, parent: 2, datasetSha: Sha2),
            new DeploymentRecorded(3, "staging", "run-7", null, "ivan"), new DeploymentRecorded(2, "staging", null, null, "ivan"));

        var graph = LineageGraph.For(state, 3);

        Assert.Equal(
            ["dataset:" + Sha1, "dataset:" + Sha2, "deployment:churn@3#1", "version:churn@1", "version:churn@2", "version:churn@3"],
            graph.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));
        Assert.Contains(graph.Edges, e => e is { From: "version:churn@2", To: "version:churn@3", Kind: "parent-of" });
        Assert.Contains(graph.Edges, e => e is { From: "version:churn@1", To: "version:churn@2", Kind: "parent-of" });
        Assert.Contains(graph.Edges, e => e.From == "dataset:" + Sha1 && e is { To: "version:churn@1", Kind: "trained-on", Role: "training" });
        Assert.Contains(graph.Edges, e => e is { From: "version:churn@3", To: "deployment:churn@3#1", Kind: "deployed-to" });
    }

    [Fact]
    public void Every_event_type_is_named_after_its_record_and_serialized_in_camel_case()
    {
        var json = ModelEventJson.Serialize(Registered(1));

        Assert.Equal("VersionRegistered", ModelEventJson.TypeName(Registered(1)));
        Assert.True(json.ContainsKey("registeredBy"));
        Assert.True(json["artifact"]!.AsObject().ContainsKey("sha256"));
        Assert.False(json.ContainsKey("parentVersion"));
        Assert.Null(ModelEventJson.Deserialize("SomethingElse", JsonSerializer.SerializeToElement(json)));
    }
}
