// Report facts built by hand, for printing tests that need no database.
using Registry.Web.Features.Reports;

namespace Registry.Web.Tests.Reports;

public static class SampleReports
{
    public const string Approver = "Zoë Ångström-Łukasz";
    public const string DatasetHash = "5f1d7c0c7f3b2a8e9d6c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e";
    public const string Root = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    public static CheckpointSummary Checkpoint => new("registry.test", 4211, Root, Convert.ToBase64String(Convert.FromHexString(Root)),
        "MEUCIQDx3Y0Xo5lZ2b7J6kS9Z0a1b2c3d4e5f60718293a4b5c6d7e8f9AiB0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071",
        "9c0e4a8f1b2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c", T0.AddDays(3));

    public static ModelDossier Dossier(int versions = 3)
    {
        var zoe = new Person("zoe", Approver);
        var dana = new Person("dana", "Dana Scully");
        var list = Enumerable.Range(1, versions).Select(n => new VersionFacts(
            n,
            n == versions ? "pending-approval" : "approved",
            dana,
            T0.AddHours(n),
            new ArtifactFacts($"s3://models/churn/{n}/model.onnx", new string((char)('a' + (n % 6)), 64), 1_234_567),
            [new DatasetFacts("customers", "training", "s3://data/customers.parquet", DatasetHash, 1_000_000), new DatasetFacts("holdout", "validation", null, new string('e', 64), 50_000)],
            [new DependencyFacts("pypi", "scikit-learn", "1.4.2", null), new DependencyFacts("pypi", "numpy", "1.26.4", new string('d', 64))],
            new Dictionary<string, string> { ["depth"] = "6", ["criterion"] = "gini" },
            new Dictionary<string, double> { ["auc"] = 0.91, ["f1"] = 0.83 },
            "https://git.example/churn",
            "abc123",
            n > 1 ? n - 1 : null,
            "Retrained on October data",
            dana,
            T0.AddHours(n).AddMinutes(5),
            n == versions ? [] : [new ApprovalFacts("approve", zoe, "approver", T0.AddHours(n).AddMinutes(30), "Backtest looks right; ship it.")])).ToList();
        var deployments = new List<DeploymentFacts>
        {
            new("staging", 1, zoe, T0.AddDays(1), "CHG-1", null),
            new("production", 1, zoe, T0.AddDays(2), "CHG-2", null),
        };
        if (versions > 2)
        {
            deployments.Add(new("production", 2, zoe, T0.AddDays(3), "CHG-3", null));
            deployments.Add(new("production", 1, zoe, T0.AddDays(4), "CHG-4", "rb-7f3a"));
        }

        var model = new ModelIdentity("churn", "Predicts customer churn", "team-retention", "high", "Prioritise retention calls", "Not for credit decisions", new Dictionary<string, string> { ["team"] = "retention" }, dana, T0);
        var state = new LineageFacts(
            [
                new LineageNode($"dataset:{DatasetHash}", "dataset", "customers (training)", Registry.Web.Features.Reports.Format.ShortHash(DatasetHash)),
                .. list.Select(v => new LineageNode($"version:{v.Number}", "version", $"v{v.Number} · {v.Status}", "artifact …")),
                new LineageNode("environment:production", "environment", "production", "now v1"),
            ],
            [
                .. list.Select(v => new LineageEdge($"dataset:{DatasetHash}", $"version:{v.Number}", "trained-on")),
                .. list.Where(v => v.ParentVersion is not null).Select(v => new LineageEdge($"version:{v.ParentVersion}", $"version:{v.Number}", "parent-of")),
                new LineageEdge("version:1", "environment:production", "deployed-to"),
            ]);
        var changes = Enumerable.Range(1, versions * 4).Select(i => new ChangeFacts(i, T0.AddMinutes(i), i % 2 == 0 ? zoe : dana, "model-churn", i % 2 == 0 ? "ApprovalRecorded" : "VersionRegistered", $"change number {i}")).ToList();
        return new ModelDossier(model, list, deployments,
            [new RollbackFacts("rb-7f3a", "production", 2, 1, "Latency regression", dana, T0.AddDays(3).AddHours(2), "completed", zoe, T0.AddDays(3).AddHours(3), "Agreed")],
            state, changes, Checkpoint, null, T0.AddDays(5), new Person("audrey", "Audrey Auditor"));
    }
}
