using System.Text.Json;
using Registry.Core.Models;
using static Registry.Core.Tests.Models.Scenario;

namespace Registry.Core.Tests.Models;

public sealed class ModelDeciderTests
{
    private static readonly AppliedRule LowRule = new("low", 1, 0, "low risk: 1 approver");
    private static readonly AppliedRule HighRule = new("high", 1, 1, "high risk: 1 approver and 1 compliance sign-off");

    [Fact]
    public void Creating_a_model_records_who_created_it_and_its_profile()
    {
        var decision = When(Given(), new CreateModel("churn", "Predicts churn", "team-a", "low", "retention offers", "not for credit decisions", new Dictionary<string, string> { ["team"] = "a" }, "dana"));

        Then(decision, Created());
    }

    [Fact]
    public void Creating_a_model_that_exists_is_a_conflict()
    {
        ThenRejected(When(Given(Created()), new CreateModel("churn", null, null, "low", null, null, null, "dana")), RejectionKind.Conflict);
    }

    [Theory]
    [InlineData("Churn")]
    [InlineData("-churn")]
    [InlineData("")]
    [InlineData("churn model")]
    [InlineData("churn/1")]
    [InlineData("ünïcode")]
    public void A_model_name_outside_the_contract_pattern_is_rejected_naming_the_field(string name)
    {
        ThenRejected(When(Given(), new CreateModel(name, null, null, "low", null, null, null, "dana")), RejectionKind.Validation, "name");
    }

    [Fact]
    public void A_model_name_of_101_characters_is_rejected_and_of_100_accepted()
    {
        ThenRejected(When(Given(), new CreateModel(new string('a', 101), null, null, "low", null, null, null, "dana")), RejectionKind.Validation, "name");
        Assert.IsType<Decision.Accepted>(When(Given(), new CreateModel(new string('a', 100), null, null, "low", null, null, null, "dana")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("critical")]
    [InlineData("HIGH")]
    public void Risk_tier_must_be_low_medium_or_high(string? tier)
    {
        ThenRejected(When(Given(), new CreateModel("churn", null, null, tier, null, null, null, "dana")), RejectionKind.Validation, "riskTier");
    }

    [Fact]
    public void Text_with_control_characters_or_unpaired_surrogates_is_rejected_naming_the_field()
    {
        ThenRejected(When(Given(), new CreateModel("churn", null, "a\u0000b", "low", null, null, null, "dana")), RejectionKind.Validation, "owner");
        ThenRejected(When(Given(), new CreateModel("churn", "x\ud800y", null, "low", null, null, null, "dana")), RejectionKind.Validation, "description");
        ThenRejected(When(Given(), new CreateModel("churn", null, null, "low", null, null, new Dictionary<string, string> { ["k"] = new string('v', 1001) }, "dana")), RejectionKind.Validation, "tags.k");
    }

    [Fact]
    public void Every_command_on_a_model_that_does_not_exist_is_not_found()
    {
        ThenRejected(When(Given(), Register()), RejectionKind.NotFound);
        ThenRejected(When(Given(), new SubmitVersion(1, "dana")), RejectionKind.NotFound);
        ThenRejected(When(Given(), new UpdateModel("x", null, null, null, null, null, null, "dana")), RejectionKind.NotFound);
    }

    [Fact]
    public void Updating_a_model_records_only_the_fields_that_changed()
    {
        var decision = When(Given(Created()), new UpdateModel("Predicts churn", "team-b", "high", null, null, null, 1, "dana"));

        Then(decision, new ModelUpdated(null, "team-b", "high", null, null, null, "dana"));
    }

    [Fact]
    public void Updating_with_a_stale_revision_fails_its_precondition()
    {
        var state = Given(Created(), new ModelUpdated("v2", null, null, null, null, null, "dana"));

        ThenRejected(When(state, new UpdateModel("v3", null, null, null, null, null, 1, "dana")), RejectionKind.PreconditionFailed);
        Then(When(state, new UpdateModel("v3", null, null, null, null, null, 2, "dana")), new ModelUpdated("v3", null, null, null, null, null, "dana"));
    }

    [Fact]
    public void Updating_with_the_values_it_already_has_records_nothing()
    {
        Then(When(Given(Created()), new UpdateModel("Predicts churn", "team-a", null, null, null, new Dictionary<string, string> { ["team"] = "a" }, null, "dana")));
    }

    [Fact]
    public void An_update_with_no_field_is_rejected()
    {
        ThenRejected(When(Given(Created()), new UpdateModel(null, null, null, null, null, null, null, "dana")), RejectionKind.Validation, "body");
    }

    [Fact]
    public void Versions_are_numbered_one_two_three_per_model()
    {
        Then(When(Given(Created()), Register()), Registered(1));
        Then(When(Given(Created(), Registered(1)), Register(parent: 1)), Registered(2, parent: 1));
        Then(When(Given(Created(), Registered(1), Registered(2)), Register()), Registered(3));
    }

    public static TheoryData<RegisterVersion, string> BadRegistrations() => new()
    {
        { Register(artifact: new Artifact("s3://m", "ABC", null)), "artifact.sha256" },
        { Register(artifact: new Artifact("not a uri", Sha1, null)), "artifact.uri" },
        { Register(artifact: new Artifact("s3://m", Sha1, -1)), "artifact.sizeBytes" },
        { Register(datasets: [new Dataset("d", "training", null, new string('A', 64), null)]), "datasets[0].sha256" },
        { Register(datasets: [new Dataset("d", "holdout", null, Sha1, null)]), "datasets[0].role" },
        { Register(datasets: [new Dataset(" ", "training", null, Sha1, null)]), "datasets[0].name" },
        { Register(datasets: [new Dataset("d", "training", null, Sha1, -5)]), "datasets[0].rows" },
        { Register(datasets: [new Dataset("d", "training", null, Sha1, null), new Dataset("d", "training", null, Sha2, null)]), "datasets[1].name" },
        { Register(dependencies: [new Dependency("pypi", "numpy", "", null)]), "dependencies[0].version" },
        { Register(dependencies: [new Dependency("pypi", "numpy", "1.0", "xyz")]), "dependencies[0].sha256" },
        { Register(parameters: new Dictionary<string, JsonElement> { ["layers"] = JsonSerializer.SerializeToElement(new[] { 1, 2 }) }), "parameters.layers" },
        { Register(parameters: new Dictionary<string, JsonElement> { ["x"] = JsonSerializer.SerializeToElement<string?>(null) }), "parameters.x" },
        { Register(parent: 0), "parentVersion" },
        { Register(parent: 7), "parentVersion" },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public void A_bad_registration_is_rejected_naming_the_field(RegisterVersion command, string field)
    {
        ThenRejected(When(Given(Created()), command), RejectionKind.Validation, field);
    }

    [Fact]
    public void A_registration_without_artifact_is_rejected_naming_artifact()
    {
        ThenRejected(When(Given(Created()), Register() with { Artifact = null }), RejectionKind.Validation, "artifact");
    }

    [Fact]
    public void Submitting_a_registered_version_makes_it_pending_approval()
    {
        Then(When(Given(Created(), Registered(1)), new SubmitVersion(1, "dana")), new VersionSubmitted(1, "dana"));
    }

    [Fact]
    public void Submitting_a_version_twice_is_a_conflict_and_an_unknown_version_not_found()
    {
        ThenRejected(When(Given(Created(), Registered(1), new VersionSubmitted(1, "dana")), new SubmitVersion(1, "dana")), RejectionKind.Conflict);
        ThenRejected(When(Given(Created(), Registered(1)), new SubmitVersion(2, "dana")), RejectionKind.NotFound);
    }

    [Fact]
    public void A_low_risk_version_is_approved_by_one_approver_and_the_rule_is_recorded()
    {
        var decision = When(Given(Created("low"), Registered(1), new VersionSubmitted(1, "dana")), new RecordApproval(1, "approve", "looks good", ApproverRoles, "ivan"));

        Then(decision, new ApprovalRecorded(1, "ivan", "approver", "approve", "looks good", LowRule), new VersionApproved(1, LowRule));
    }

    [Fact]
    public void A_high_risk_version_stays_pending_with_only_an_approver()
    {
        var decision = When(Given(Created("high"), Registered(1), new VersionSubmitted(1, "dana")), new RecordApproval(1, "approve", "ok", ApproverRoles, "ivan"));

        Then(decision, new ApprovalRecorded(1, "ivan", "approver", "approve", "ok", HighRule));
    }

    [Fact]
    public void A_high_risk_version_is_approved_once_compliance_signs_off_too()
    {
        var state = Given(Created("high"), Registered(1), new VersionSubmitted(1, "dana"), new ApprovalRecorded(1, "ivan", "approver", "approve", "ok", HighRule));

        Then(When(state, new RecordApproval(1, "approve", "compliant", ComplianceRoles, "carla")),
            new ApprovalRecorded(1, "carla", "compliance", "approve", "compliant", HighRule), new VersionApproved(1, HighRule));
    }

    [Fact]
    public void A_high_risk_version_is_not_approved_by_two_approvers_without_compliance()
    {
        var state = Given(Created("high"), Registered(1), new VersionSubmitted(1, "dana"), new ApprovalRecorded(1, "ivan", "approver", "approve", "ok", HighRule));

        Then(When(state, new RecordApproval(1, "approve", "me too", ApproverRoles, "olga")),
            new ApprovalRecorded(1, "olga", "approver", "approve", "me too", HighRule));
    }

    [Fact]
    public void A_person_holding_both_roles_signs_in_the_capacity_still_missing_but_only_once()
    {
        var state = Given(Created("high"), Registered(1), new VersionSubmitted(1, "dana"), new ApprovalRecorded(1, "ivan", "approver", "approve", "ok", HighRule));

        Then(When(state, new RecordApproval(1, "approve", "both", [Registry.Core.Identity.Roles.Approver, Registry.Core.Identity.Roles.Compliance], "bea")),
            new ApprovalRecorded(1, "bea", "compliance", "approve", "both", HighRule), new VersionApproved(1, HighRule));
        ThenRejected(When(state, new RecordApproval(1, "approve", "again", ApproverRoles, "ivan")), RejectionKind.Conflict);
    }

    [Fact]
    public void One_rejection_decides_the_version_rejected()
    {
        Then(When(Given(Created("high"), Registered(1), new VersionSubmitted(1, "dana")), new RecordApproval(1, "reject", "no holdout set", ComplianceRoles, "carla")),
            new ApprovalRecorded(1, "carla", "compliance", "reject", "no holdout set", HighRule), new VersionRejected(1, "carla", HighRule));
    }

    [Fact]
    public void Approver_cannot_approve_a_version_they_registered()
    {
        var state = Given(Created(), Registered(1, by: "ivan"), new VersionSubmitted(1, "dana"));

        var rejection = ThenRejected(When(state, new RecordApproval(1, "approve", "mine", ApproverRoles, "ivan")), RejectionKind.Forbidden);
        Assert.Contains("separation of duties", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Approver_cannot_approve_a_version_they_submitted()
    {
        var state = Given(Created(), Registered(1), new VersionSubmitted(1, "ivan"));

        ThenRejected(When(state, new RecordApproval(1, "approve", "mine", ApproverRoles, "ivan")), RejectionKind.Forbidden);
        ThenRejected(When(state, new RecordApproval(1, "reject", "mine", ApproverRoles, "ivan")), RejectionKind.Forbidden);
    }

    [Fact]
    public void Someone_without_approver_or_compliance_role_cannot_approve()
    {
        ThenRejected(When(Given(Created(), Registered(1), new VersionSubmitted(1, "dana")), new RecordApproval(1, "approve", "x", [Registry.Core.Identity.Roles.Admin], "root")), RejectionKind.Forbidden);
    }

    [Fact]
    public void Approving_a_version_that_is_not_pending_is_a_conflict()
    {
        ThenRejected(When(Given(Created(), Registered(1)), new RecordApproval(1, "approve", "early", ApproverRoles, "ivan")), RejectionKind.Conflict);
        ThenRejected(When(Given(Created(), Registered(1), new VersionSubmitted(1, "dana"), new ApprovalRecorded(1, "ivan", "approver", "approve", "ok", LowRule), new VersionApproved(1, LowRule)),
            new RecordApproval(1, "approve", "late", ApproverRoles, "olga")), RejectionKind.Conflict);
    }

    [Theory]
    [InlineData("yes", "fine", "decision")]
    [InlineData(null, "fine", "decision")]
    [InlineData("approve", "", "comment")]
    [InlineData("approve", null, "comment")]
    public void An_approval_needs_a_decision_and_a_comment(string? decision, string? comment, string field)
    {
        ThenRejected(When(Given(Created(), Registered(1), new VersionSubmitted(1, "dana")), new RecordApproval(1, decision, comment, ApproverRoles, "ivan")), RejectionKind.Validation, field);
    }

    [Fact]
    public void The_approval_policy_is_configuration_and_the_applied_rule_says_which()
    {
        var strict = new ApprovalPolicy(new Dictionary<string, ApprovalRequirement>
        {
            ["low"] = new(1, 0),
            ["medium"] = new(2, 0),
            ["high"] = new(2, 1),
        });
        var rule = new AppliedRule("medium", 2, 0, "medium risk: 2 approvers");
        var state = Given(Created("medium"), Registered(1), new VersionSubmitted(1, "dana"));

        Then(When(state, new RecordApproval(1, "approve", "one", ApproverRoles, "ivan"), strict), new ApprovalRecorded(1, "ivan", "approver", "approve", "one", rule));
        var afterOne = ModelDecider.Evolve(state, new ApprovalRecorded(1, "ivan", "approver", "approve", "one", rule));
        Then(When(afterOne, new RecordApproval(1, "approve", "two", ApproverRoles, "olga"), strict),
            new ApprovalRecorded(1, "olga", "approver", "approve", "two", rule), new VersionApproved(1, rule));
    }

    [Fact]
    public void An_approval_policy_without_a_rule_for_every_tier_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ApprovalPolicy(new Dictionary<string, ApprovalRequirement> { ["low"] = new(1, 0) }));
        Assert.Throws<ArgumentException>(() => new ApprovalPolicy(new Dictionary<string, ApprovalRequirement> { ["low"] = new(0, 0), ["medium"] = new(1, 0), ["high"] = new(1, 1) }));
    }
}
