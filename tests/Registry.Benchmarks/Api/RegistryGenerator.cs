// A deterministic registry for benchmarks: exactly 100 events and 10 versions per model (10,000 models
// → 100,000 versions, 1,000,000 events). The same seed gives the same log. Events are the domain's own
// records, in the order the deciders would produce them. Per model: created; per version registered →
// submitted → approver and compliance sign-offs → approved → deployed to staging and production, and
// two profile updates; two production rollbacks (requested → approved → redeployed → completed); a
// last change of owner. Every 25th model's latest version is still waiting for its compliance
// sign-off (its missing events are profile updates), so the approval queue and dashboards have work.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Registry.Core.Models;
using Registry.EventStore;

namespace Registry.Benchmarks.Api;

public sealed class RegistryGenerator(int models, int seed = 20261121)
{
    public const int VersionsPerModel = 10;
    public const int EventsPerModel = 100;
    public const int DatasetPool = 5_000;

    public int Models { get; } = models;

    public static string ModelName(int i) => $"model-{i:D5}";

    /// <summary>The dataset content hashes in use; usages of each are spread over many models.</summary>
    public static string DatasetSha(int i) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"dataset-{i}")));

    private static readonly AppliedRule Rule = new("high", 1, 1, "high risk: 1 approver and 1 compliance sign-off");
    private static readonly string[] Words = ["churn", "fraud", "credit", "pricing", "demand", "risk", "retention", "claims", "routing", "forecast", "anomaly", "ranking"];

    /// <summary>Every 25th model's latest version waits for compliance (400 of 10,000).</summary>
    public static bool IsPending(int i) => i % 25 == 0;

    /// <summary>The events of model i, in stream order: always exactly <see cref="EventsPerModel"/>.</summary>
    public IReadOnlyList<ModelEvent> EventsOf(int i)
    {
        var random = new Random(HashCode.Combine(seed, i));
        var name = ModelName(i);
        var word = Words[i % Words.Length];
        var events = new List<ModelEvent>(EventsPerModel)
        {
            new ModelCreated(name, $"Predicts {word} for segment {i % 97}", $"team-{i % 50}", "high", $"{word} decisions", "not for automated denial", new Dictionary<string, string> { ["domain"] = word }, "dana"),
        };
        for (var v = 1; v <= VersionsPerModel; v++)
        {
            events.Add(Version(random, v));
            events.Add(new VersionSubmitted(v, "dana"));
            events.Add(new ApprovalRecorded(v, "ivan", "approver", "approve", "reviewed", Rule));
            if (v == VersionsPerModel && IsPending(i))
            {
                // Compliance has not signed yet: no approval, no deployments; the profile keeps changing.
                for (var u = 0; u < 4; u++)
                {
                    events.Add(new ModelUpdated($"Predicts {word} for segment {i % 97}, draft {u + 1} of release {v}", null, null, null, null, null, "dana"));
                }
            }
            else
            {
                events.Add(new ApprovalRecorded(v, "carla", "compliance", "approve", "compliant", Rule));
                events.Add(new VersionApproved(v, Rule));
                events.Add(new DeploymentRecorded(v, "staging", $"pipeline-{random.Next(100_000)}", null, "ivan"));
                events.Add(new DeploymentRecorded(v, "production", $"CHG-{random.Next(100_000)}", null, "ivan"));
            }

            events.Add(new ModelUpdated($"Predicts {word} for segment {i % 97}, release {v}", null, null, null, null, null, "dana"));
            events.Add(new ModelUpdated(null, null, null, null, null, new Dictionary<string, string> { ["domain"] = word, ["release"] = v.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "dana"));
            if (v is 4 or 8)
            {
                // Production goes back to the previous version, as the rollback decider would record it.
                var id = RollbackId(i, v);
                events.Add(new RollbackRequested(id, "production", v, v - 1, $"metric drift after release {v}", "hanako"));
                events.Add(new RollbackApproved(id, "drift confirmed", "ivan"));
                events.Add(new DeploymentRecorded(v - 1, "production", $"CHG-{random.Next(100_000)}", id, "ivan"));
                events.Add(new RollbackCompleted(id, v - 1, "production", "ivan"));
            }
        }

        events.Add(new ModelUpdated(null, $"team-{(i + 1) % 50}", null, null, null, null, "dana"));
        if (events.Count != EventsPerModel)
        {
            throw new InvalidOperationException($"{name} has {events.Count} events, not {EventsPerModel}");
        }

        return events;
    }

    /// <summary>A rollback request's id: unique per model and version, the same in every run.</summary>
    public static string RollbackId(int model, int version) => new Guid(model, (short)version, 0, new byte[8]).ToString();

    public static VersionRegistered Version(Random random, int v, string by = "dana") => new(
        v,
        new Artifact($"s3://models/{v}/model.onnx", Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(random.NextInt64()))), random.Next(1_000_000, 500_000_000)),
        [
            new Dataset("customers", "training", "s3://data/customers.parquet", DatasetSha(random.Next(DatasetPool)), random.Next(10_000, 5_000_000)),
            new Dataset("holdout", "validation", "s3://data/holdout.parquet", DatasetSha(random.Next(DatasetPool)), random.Next(1_000, 500_000)),
            new Dataset("benchmark", "test", null, DatasetSha(random.Next(DatasetPool)), random.Next(1_000, 100_000)),
        ],
        [.. Enumerable.Range(0, 12).Select(d => new Dependency("pypi", $"package-{d}", $"{1 + random.Next(3)}.{random.Next(20)}.{random.Next(10)}", null))],
        new Dictionary<string, JsonElement>
        {
            ["max_depth"] = JsonSerializer.SerializeToElement(random.Next(3, 12)),
            ["learning_rate"] = JsonSerializer.SerializeToElement(Math.Round(random.NextDouble() / 10, 4)),
            ["criterion"] = JsonSerializer.SerializeToElement(random.Next(2) == 0 ? "gini" : "entropy"),
        },
        new Dictionary<string, double> { ["auc"] = Math.Round(0.7 + random.NextDouble() / 4, 4), ["f1"] = Math.Round(0.5 + random.NextDouble() / 3, 4) },
        new SourceReference("https://git.example/models", Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64()))),
        v > 1 ? v - 1 : null,
        $"Release {v}\nRetrained with fresh data\nThreshold {random.Next(100)}",
        by);

    /// <summary>Appends every model's stream (one append per model, several appenders at once for group commit).</summary>
    public async Task WriteAsync(EventStore.EventStore store, Action<int> progress, CancellationToken cancellationToken)
    {
        var next = -1;
        var done = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Models)
            {
                var events = EventsOf(i).Select(e => new NewEvent(ModelEventJson.TypeName(e), ModelEventJson.Serialize(e))).ToList();
                var result = await store.AppendAsync(ModelEventJson.StreamOf(ModelName(i)), ExpectedVersion.NoStream, events, new AppendMetadata("generator", $"generate-{i}", Client: "registry-bench"), cancellationToken);
                if (result is not AppendResult.Appended)
                {
                    throw new InvalidOperationException($"generating {ModelName(i)} failed: {result}");
                }

                var count = Interlocked.Increment(ref done);
                if (count % 500 == 0)
                {
                    progress(count);
                }
            }
        }, cancellationToken)));
    }
}
