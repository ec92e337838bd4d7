// Given events / when command / then events or rejection, compared as the JSON the log would hold.
using System.Text.Json;
using Registry.Core.Models;

namespace Registry.Core.Tests.Models;

internal static class Scenario
{
    public const string Sha1 = "1111111111111111111111111111111111111111111111111111111111111111";
    public const string Sha2 = "2222222222222222222222222222222222222222222222222222222222222222";
    public const string Sha3 = "3333333333333333333333333333333333333333333333333333333333333333";

    public static ModelState Given(params ModelEvent[] events) =>
        // Round-trip through the log's JSON, so the tests also prove events read back as written.
        events.Select(e => ModelEventJson.Deserialize(ModelEventJson.TypeName(e), JsonSerializer.SerializeToElement(ModelEventJson.Serialize(e)))!)
              .Aggregate(ModelState.Initial, ModelDecider.Evolve);

    public static Decision When(ModelState state, ModelCommand command, ApprovalPolicy? policy = null) =>
        ModelDecider.Decide(command, state, policy ?? ApprovalPolicy.Default);

    public static void Then(Decision decision, params ModelEvent[] expected)
    {
        var accepted = Assert.IsType<Decision.Accepted>(decision);
        Assert.Equal(expected.Select(Json), accepted.Events.Select(Json));
    }

    public static Rejection ThenRejected(Decision decision, RejectionKind kind, string? field = null)
    {
        var rejected = Assert.IsType<Decision.Rejected>(decision);
        Assert.Equal(kind, rejected.Rejection.Kind);
        if (field is not null)
        {
            Assert.Equal(field, rejected.Rejection.Field);
        }

        return rejected.Rejection;
    }

    public static string Json(ModelEvent e) => ModelEventJson.TypeName(e) + " " + ModelEventJson.Serialize(e).ToJsonString();

    public static ModelCreated Created(string tier = "low", string by = "dana") =>
        new("churn", "Predicts churn", "team-a", tier, "retention offers", "not for credit decisions", new Dictionary<string, string> { ["team"] = "a" }, by);

    public static VersionRegistered Registered(int version, string by = "dana", int? parent = null, string datasetSha = Sha1, string notes = "first") =>
        new(version,
            new Artifact("s3://models/churn.onnx", Sha3, 1024),
            [new Dataset("customers", "training", "s3://data/customers.parquet", datasetSha, 1000)],
            [new Dependency("pypi", "scikit-learn", "1.4.2", null)],
            new Dictionary<string, JsonElement> { ["depth"] = JsonSerializer.SerializeToElement(6) },
            new Dictionary<string, double> { ["auc"] = 0.81 },
            new SourceReference("https://git.example/churn", "abc123"),
            parent,
            notes,
            by);

    public static RegisterVersion Register(string by = "dana", int? parent = null, Artifact? artifact = null, IReadOnlyList<Dataset>? datasets = null, IReadOnlyList<Dependency>? dependencies = null, IReadOnlyDictionary<string, JsonElement>? parameters = null) =>
        new(artifact ?? new Artifact("s3://models/churn.onnx", Sha3, 1024),
            datasets ?? [new Dataset("customers", "training", "s3://data/customers.parquet", Sha1, 1000)],
            dependencies ?? [new Dependency("pypi", "scikit-learn", "1.4.2", null)],
            parameters ?? new Dictionary<string, JsonElement> { ["depth"] = JsonSerializer.SerializeToElement(6) },
            new Dictionary<string, double> { ["auc"] = 0.81 },
            new SourceReference("https://git.example/churn", "abc123"),
            parent,
            "first",
            by);

    public static readonly string[] ApproverRoles = [Registry.Core.Identity.Roles.Approver];
    public static readonly string[] ComplianceRoles = [Registry.Core.Identity.Roles.Compliance];
}
