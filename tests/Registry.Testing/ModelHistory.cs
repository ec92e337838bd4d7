// Writes a realistic history of one high-risk model through the domain's own decider (ModelStreams):
// versions registered, submitted, approved by an approver and a compliance officer, deployed to
// staging and production, profile updates and rollbacks. For report tests and benchmarks.
using System.Text.Json;
using Registry.Core.Models;
using Registry.EventStore;
using Registry.Web.Features.Shared;

namespace Registry.Testing;

public sealed class ModelHistory(EventStore.EventStore store)
{
    public const string Scientist = "dana";
    public const string Approver = "zoe";
    public const string Compliance = "carla";

    private readonly ModelStreams _models = new(store, ApprovalPolicy.Default, new ModelStateCache());

    /// <summary>The dataset every version trains on (its SHA-256).</summary>
    public static string TrainingSet(int version) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(version / 10)));

    public Task CreateAsync(string model, string riskTier = RiskTiers.High) =>
        RunAsync(model, new CreateModel(model, $"The {model} model", "team-retention", riskTier, "Prioritise retention calls", "Not for credit decisions", new Dictionary<string, string> { ["team"] = "retention" }, Scientist));

    /// <summary>Registers, submits, approves (approver and compliance) and deploys one version to staging and production.</summary>
    public async Task<int> ShipVersionAsync(string model, int number, string comment = "Backtest looks right")
    {
        await RunAsync(model, new RegisterVersion(
            new Artifact($"s3://models/{model}/{number}/model.onnx", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(-number))), 123_456_789),
            [new Dataset("customers", "training", "s3://data/customers.parquet", TrainingSet(number), 1_000_000), new Dataset("holdout", "validation", null, new string('e', 64), 50_000)],
            [new Dependency("pypi", "scikit-learn", "1.4.2", null), new Dependency("pypi", "numpy", "1.26.4", null)],
            new Dictionary<string, JsonElement> { ["depth"] = JsonSerializer.SerializeToElement(6), ["criterion"] = JsonSerializer.SerializeToElement("gini") },
            new Dictionary<string, double> { ["auc"] = 0.8 + (number % 10 / 100.0) },
            new SourceReference("https://git.example/churn", $"c0ffee{number}"),
            number > 1 ? number - 1 : null,
            "Retrained on the latest month",
            Scientist));
        await RunAsync(model, new SubmitVersion(number, Scientist));
        await RunAsync(model, new RecordApproval(number, "approve", comment, ["approver"], Approver));
        await RunAsync(model, new RecordApproval(number, "approve", "Compliance sign-off", ["compliance"], Compliance));
        await RunAsync(model, new RecordDeployment(number, "staging", $"CHG-{number}-S", null, Approver));
        await RunAsync(model, new RecordDeployment(number, "production", $"CHG-{number}-P", null, Approver));
        return number;
    }

    public Task UpdateAsync(string model, string? riskTier = null, string? intendedUse = null) =>
        RunAsync(model, new UpdateModel(null, null, riskTier, intendedUse, null, null, null, Scientist));

    /// <summary>Rolls production back to the previous version: requested, approved, carried out.</summary>
    public async Task RollBackAsync(string model, int toVersion)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        await RunAsync(model, new RequestRollback(id, "production", toVersion, "Latency regression", Scientist));
        await RunAsync(model, new DecideRollback(id, true, "Agreed", Approver));
        await RunAsync(model, new RecordDeployment(toVersion, "production", $"CHG-RB-{id}", id, Approver));
    }

    /// <summary>A model of <paramref name="versions"/> versions, a profile update per version and a rollback every other version.</summary>
    public async Task WriteAsync(string model, int versions)
    {
        await CreateAsync(model);
        for (var v = 1; v <= versions; v++)
        {
            await ShipVersionAsync(model, v);
            await UpdateAsync(model, intendedUse: $"Prioritise retention calls (review {v})");
            if (v % 2 == 0)
            {
                await RollBackAsync(model, v - 1);
            }
        }
    }

    private async Task RunAsync(string model, ModelCommand command)
    {
        var (_, rejection) = await _models.HandleAsync(model, command, new AppendMetadata(command.Actor, $"history-{Guid.NewGuid():N}", Client: "ModelHistory"), CancellationToken.None);
        if (rejection is not null)
        {
            throw new InvalidOperationException($"{command.GetType().Name} was rejected: {rejection.Reason}");
        }
    }
}
