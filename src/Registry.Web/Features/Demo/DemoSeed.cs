// The demo of `make run`: people in each role, three realistic models with several versions, approvals
// (one rejected), deployments to staging and production and one completed rollback. Every step goes
// through the same command path as the API (account and model deciders, the event store), acted by the
// demo person who would do it, so the demo log is as verifiable as any other.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Registry.Core;
using Registry.Core.Identity;
using Registry.Core.Models;
using Registry.EventStore;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Demo;

public sealed record DemoPerson(string Username, string DisplayName, string Role);

public sealed class DemoSeed(Accounts accounts, ModelStreams models)
{
    /// <summary>One password for every demo account: it is a demo, and the sign-ins are printed at start-up.</summary>
    public const string Password = "Registry-demo-2026";

    public static readonly IReadOnlyList<DemoPerson> People =
    [
        new("zoe", "Zoë Ångström-Łukasz", Roles.DataScientist),
        new("hanako", "山田 花子", Roles.DataScientist),
        new("olga", "Ольга Петрова", Roles.Approver),
        new("diego", "Diego Fernández", Roles.Approver),
        new("amara", "Amara Okafor", Roles.Compliance),
        new("priya", "प्रिया शर्मा", Roles.Auditor),
        new("kwame", "Kwame Mensah", Roles.Admin),
    ];

    private const string Client = "registry-demo-seed";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        foreach (var person in People)
        {
            var created = await accounts.CreateUserAsync(person.Username, person.DisplayName, $"{person.Username}@example.org", [person.Role], Password, AccountSources.Local, Meta("admin"), cancellationToken);
            if (created.Rejection is { } rejection)
            {
                throw new InvalidOperationException($"demo user {person.Username}: {rejection.Detail}");
            }
        }

        await ChurnAsync(cancellationToken);
        await CreditRiskAsync(cancellationToken);
        await DemandAsync(cancellationToken);
    }

    private async Task ChurnAsync(CancellationToken ct)
    {
        const string m = "churn-classifier";
        await Run(m, new CreateModel(m, "Predicts which retail-banking customers will close their current account in the next 90 days.", "zoe", RiskTiers.Medium,
            "Prioritise retention outreach by the customer-care team. Scores are reviewed by a person before any offer is made.",
            "Not for pricing, credit or any decision with legal effect on the customer. Do not use for customers under 18.",
            new Dictionary<string, string> { ["team"] = "customer-analytics", ["framework"] = "xgboost" }, "zoe"), ct);

        await Run(m, Version("zoe", m, 1, parent: null,
            datasets: [Data("customers-2024q4", "training", 1_284_512), Data("customers-2025-01", "validation", 212_040), Data("customers-holdout-2024", "test", 98_311)],
            dependencies: [Py("xgboost", "1.7.6"), Py("scikit-learn", "1.3.2"), Py("pandas", "2.0.3"), Py("numpy", "1.26.4")],
            parameters: new() { ["max_depth"] = 6, ["learning_rate"] = 0.1, ["n_estimators"] = 400, ["objective"] = "binary:logistic" },
            metrics: new() { ["auc"] = 0.861, ["f1"] = 0.712, ["logloss"] = 0.381 },
            notes: "Baseline gradient-boosted model.\nFeatures: tenure, product count, balance trend, complaints.\nThreshold 0.42 chosen for 80% recall."), ct);
        await Run(m, new SubmitVersion(1, "zoe"), ct);
        await Run(m, new RecordApproval(1, "approve", "Validation report reviewed; monitoring dashboards in place.", [Roles.Approver], "olga"), ct);
        await Run(m, new RecordDeployment(1, "staging", "CHG-2031", null, "olga"), ct);
        await Run(m, new RecordDeployment(1, "production", "CHG-2036", null, "diego"), ct);

        await Run(m, Version("zoe", m, 2, parent: 1,
            datasets: [Data("customers-2025q1", "training", 1_402_880), Data("customers-2025-04", "validation", 220_415), Data("customers-holdout-2024", "test", 98_311)],
            dependencies: [Py("xgboost", "2.0.3"), Py("scikit-learn", "1.4.2"), Py("pandas", "2.1.4"), Py("numpy", "1.26.4"), Py("shap", "0.44.1")],
            parameters: new() { ["max_depth"] = 8, ["learning_rate"] = 0.05, ["n_estimators"] = 900, ["objective"] = "binary:logistic" },
            metrics: new() { ["auc"] = 0.874, ["f1"] = 0.731, ["logloss"] = 0.362 },
            notes: "Retrained on 2025 Q1.\nFeatures: tenure, product count, balance trend, complaints, app logins.\nThreshold 0.42 chosen for 80% recall.\nSHAP explanations exported for the care team."), ct);
        await Run(m, new SubmitVersion(2, "zoe"), ct);
        await Run(m, new RecordApproval(2, "approve", "Uplift confirmed on the 2024 hold-out; SHAP export checked with the care team.", [Roles.Approver], "diego"), ct);
        await Run(m, new RecordDeployment(2, "staging", "CHG-2102", null, "diego"), ct);
        await Run(m, new RecordDeployment(2, "production", "CHG-2110", null, "diego"), ct);

        // Production misbehaves; a data scientist asks to go back, an approver agrees, IT carries it out.
        var rollback = Guid.NewGuid().ToString("D");
        await Run(m, new RequestRollback(rollback, "production", 1, "Score calibration drifted after the app-login feed changed format: 3× more customers flagged than last week.", "hanako"), ct);
        await Run(m, new DecideRollback(rollback, true, "Agreed: roll back to v1 until the feed is fixed.", "olga"), ct);
        await Run(m, new RecordDeployment(1, "production", "CHG-2117", rollback, "diego"), ct);

        await Run(m, Version("zoe", m, 3, parent: 2,
            datasets: [Data("customers-2025q2", "training", 1_455_002), Data("customers-2025-07", "validation", 224_980), Data("customers-holdout-2024", "test", 98_311)],
            dependencies: [Py("xgboost", "2.0.3"), Py("scikit-learn", "1.5.1"), Py("pandas", "2.2.2"), Py("numpy", "1.26.4"), Py("shap", "0.45.0")],
            parameters: new() { ["max_depth"] = 7, ["learning_rate"] = 0.05, ["n_estimators"] = 800, ["objective"] = "binary:logistic", ["calibration"] = "isotonic" },
            metrics: new() { ["auc"] = 0.871, ["f1"] = 0.728, ["logloss"] = 0.344, ["ece"] = 0.018 },
            notes: "Retrained on 2025 Q2 with the fixed app-login feed.\nFeatures: tenure, product count, balance trend, complaints, app logins.\nIsotonic calibration added; expected calibration error now tracked.\nSHAP explanations exported for the care team."), ct);
        await Run(m, new SubmitVersion(3, "zoe"), ct);
    }

    private async Task CreditRiskAsync(CancellationToken ct)
    {
        const string m = "credit-risk-scorecard";
        await Run(m, new CreateModel(m, "Probability of default within 12 months for unsecured personal-loan applications.", "hanako", RiskTiers.High,
            "Input to the credit decision for personal loans up to 25,000 EUR, alongside the underwriter's assessment.",
            "Regulated use (EU AI Act, high risk). Every decline must carry adverse-action reason codes. No use outside personal loans.",
            new Dictionary<string, string> { ["team"] = "credit-modelling", ["regulation"] = "eu-ai-act-high-risk" }, "hanako"), ct);

        await Run(m, Version("hanako", m, 1, parent: null,
            datasets: [Data("applications-2019-2023", "training", 486_207), Data("bureau-snapshot-2023-12", "other", 486_207), Data("applications-2024h1", "validation", 61_930)],
            dependencies: [Py("scikit-learn", "1.4.0"), Py("statsmodels", "0.14.1"), Py("optbinning", "0.19.0"), Py("pandas", "2.1.4")],
            parameters: new() { ["model"] = "logistic-regression", ["binning"] = "optimal", ["max_bins"] = 8, ["regularisation_C"] = 0.5 },
            metrics: new() { ["gini"] = 0.58, ["ks"] = 0.41, ["auc"] = 0.79, ["psi"] = 0.04 },
            notes: "Scorecard with 14 characteristics.\nReason codes from the points table."), ct);
        await Run(m, new SubmitVersion(1, "hanako"), ct);
        await Run(m, new RecordApproval(1, "approve", "Model validation report MV-114 signed off; back-testing acceptable.", [Roles.Approver], "olga"), ct);
        await Run(m, new RecordApproval(1, "approve", "Fair-lending review done; reason codes meet the adverse-action notice requirements.", [Roles.Compliance], "amara"), ct);
        await Run(m, new RecordDeployment(1, "staging", "CHG-1988", null, "olga"), ct);
        await Run(m, new RecordDeployment(1, "production", "CHG-1994", null, "olga"), ct);

        await Run(m, Version("hanako", m, 2, parent: 1,
            datasets: [Data("applications-2019-2024", "training", 547_880), Data("bureau-snapshot-2024-06", "other", 547_880), Data("applications-2024h2", "validation", 64_112)],
            dependencies: [Py("scikit-learn", "1.4.2"), Py("statsmodels", "0.14.1"), Py("optbinning", "0.19.0"), Py("pandas", "2.2.2")],
            parameters: new() { ["model"] = "logistic-regression", ["binning"] = "optimal", ["max_bins"] = 10, ["regularisation_C"] = 0.5 },
            metrics: new() { ["gini"] = 0.61, ["ks"] = 0.43, ["auc"] = 0.805, ["psi"] = 0.06 },
            notes: "Scorecard with 16 characteristics (adds open-banking income and rent history).\nReason codes from the points table."), ct);
        await Run(m, new SubmitVersion(2, "hanako"), ct);
        await Run(m, new RecordApproval(2, "approve", "Performance uplift confirmed on the 2024 H2 sample.", [Roles.Approver], "diego"), ct);
        await Run(m, new RecordApproval(2, "reject", "The two new characteristics have no adverse-action reason codes; declines could not be explained to applicants.", [Roles.Compliance], "amara"), ct);

        await Run(m, Version("hanako", m, 3, parent: 2,
            datasets: [Data("applications-2019-2024", "training", 547_880), Data("bureau-snapshot-2024-06", "other", 547_880), Data("applications-2024h2", "validation", 64_112)],
            dependencies: [Py("scikit-learn", "1.4.2"), Py("statsmodels", "0.14.1"), Py("optbinning", "0.19.0"), Py("pandas", "2.2.2")],
            parameters: new() { ["model"] = "logistic-regression", ["binning"] = "optimal", ["max_bins"] = 10, ["regularisation_C"] = 0.5 },
            metrics: new() { ["gini"] = 0.60, ["ks"] = 0.43, ["auc"] = 0.80, ["psi"] = 0.06 },
            notes: "Scorecard with 16 characteristics (adds open-banking income and rent history).\nReason codes from the points table, now including RC-31 (income) and RC-32 (rent history)."), ct);
        await Run(m, new SubmitVersion(3, "hanako"), ct);
    }

    private async Task DemandAsync(CancellationToken ct)
    {
        const string m = "demand-forecaster";
        await Run(m, new CreateModel(m, "Daily unit demand per store and product family, 28 days ahead.", "zoe", RiskTiers.Low,
            "Replenishment planning for 412 stores; planners can override every forecast.",
            "Not for staffing decisions.",
            new Dictionary<string, string> { ["team"] = "supply-chain", ["framework"] = "lightgbm" }, "zoe"), ct);

        await Run(m, Version("zoe", m, 1, parent: null,
            datasets: [Data("sales-daily-2021-2024", "training", 61_452_330), Data("sales-daily-2025q1", "validation", 4_187_004), Data("calendar-holidays-eu", "other", 3_650)],
            dependencies: [Py("lightgbm", "4.1.0"), Py("pandas", "2.1.4"), Py("holidays", "0.38"), Py("numpy", "1.26.4")],
            parameters: new() { ["num_leaves"] = 63, ["learning_rate"] = 0.03, ["horizon_days"] = 28, ["objective"] = "tweedie" },
            metrics: new() { ["mape"] = 0.118, ["wape"] = 0.094, ["rmse"] = 412.5 },
            notes: "Global LightGBM model over all stores."), ct);
        await Run(m, new SubmitVersion(1, "zoe"), ct);
        await Run(m, new RecordApproval(1, "approve", "Back-test over 2024 acceptable; planners trained on overrides.", [Roles.Approver], "diego"), ct);
        await Run(m, new RecordDeployment(1, "staging", null, null, "diego"), ct);
        await Run(m, new RecordDeployment(1, "production", "CHG-2050", null, "diego"), ct);

        await Run(m, Version("zoe", m, 2, parent: 1,
            datasets: [Data("sales-daily-2021-2025q1", "training", 65_639_334), Data("sales-daily-2025q2", "validation", 4_203_118), Data("calendar-holidays-eu", "other", 3_650)],
            dependencies: [Py("lightgbm", "4.3.0"), Py("pandas", "2.2.2"), Py("holidays", "0.52"), Py("numpy", "1.26.4")],
            parameters: new() { ["num_leaves"] = 127, ["learning_rate"] = 0.03, ["horizon_days"] = 28, ["objective"] = "tweedie" },
            metrics: new() { ["mape"] = 0.104, ["wape"] = 0.088, ["rmse"] = 398.1 },
            notes: "Global LightGBM model over all stores.\nAdds promotions calendar."), ct);
        await Run(m, new SubmitVersion(2, "zoe"), ct);
        await Run(m, new RecordApproval(2, "approve", "Better on every store cluster; promotions feed verified.", [Roles.Approver], "olga"), ct);
        await Run(m, new RecordDeployment(2, "staging", null, null, "olga"), ct);

        await Run(m, Version("zoe", m, 3, parent: 2,
            datasets: [Data("sales-daily-2021-2025q2", "training", 69_842_452), Data("sales-daily-2025q3", "validation", 4_251_960), Data("calendar-holidays-eu", "other", 3_650)],
            dependencies: [Py("lightgbm", "4.5.0"), Py("pandas", "2.2.2"), Py("holidays", "0.52"), Py("numpy", "2.0.1")],
            parameters: new() { ["num_leaves"] = 127, ["learning_rate"] = 0.02, ["horizon_days"] = 28, ["objective"] = "tweedie" },
            metrics: new() { ["mape"] = 0.101, ["wape"] = 0.086, ["rmse"] = 391.7 },
            notes: "Global LightGBM model over all stores.\nAdds promotions calendar.\nnumpy 2 migration."), ct);
    }

    private async Task Run(string model, ModelCommand command, CancellationToken cancellationToken)
    {
        var (_, rejection) = await models.HandleAsync(model, command, Meta(command.Actor), cancellationToken);
        if (rejection is not null)
        {
            throw new InvalidOperationException($"demo seed: {command.GetType().Name} on {model} was refused: {rejection.Reason}");
        }
    }

    private static AppendMetadata Meta(string actor) => new(actor, "demo-" + Guid.NewGuid().ToString("N"), Client: Client);

    private static RegisterVersion Version(string actor, string model, int number, int? parent, Dataset[] datasets, Dependency[] dependencies, Dictionary<string, object> parameters, Dictionary<string, double> metrics, string notes) => new(
        new Artifact($"s3://ml-artifacts/{model}/{number}/model.bin", Sha256($"artifact:{model}:{number}"), 1_048_576L * (3 + number * 2) + number * 7919),
        datasets,
        dependencies,
        parameters.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value)),
        metrics,
        new SourceReference($"https://git.example.org/ml/{model}", Sha256($"commit:{model}:{number}")[..40]),
        parent,
        notes,
        actor);

    private static Dataset Data(string name, string role, long rows) =>
        new(name, role, $"s3://ml-data/{name}.parquet", Sha256("dataset:" + name), rows);

    private static Dependency Py(string name, string version) => new("pypi", name, version, Sha256($"pypi:{name}=={version}"));

    /// <summary>Stable, real-looking content hashes: the SHA-256 of a description of the content.</summary>
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
