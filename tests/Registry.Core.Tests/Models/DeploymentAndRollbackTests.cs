using Registry.Core.Models;
using static Registry.Core.Tests.Models.Scenario;

namespace Registry.Core.Tests.Models;

public sealed class DeploymentAndRollbackTests
{
    private static readonly AppliedRule LowRule = new("low", 1, 0, "low risk: 1 approver");

    private static ModelEvent[] ThreeVersionsTwoApproved() =>
    [
        Created(), Registered(1), Registered(2), Registered(3),
        new VersionSubmitted(1, "dana"), new VersionApproved(1, LowRule),
        new VersionSubmitted(2, "dana"), new VersionApproved(2, LowRule),
    ];

    [Fact]
    public void Production_accepts_only_an_approved_version()
    {
        var state = Given(ThreeVersionsTwoApproved());

        ThenRejected(When(state, new RecordDeployment(3, "production", "CHG-1", null, "ivan")), RejectionKind.Conflict);
        Then(When(state, new RecordDeployment(2, "production", "CHG-1", null, "ivan")), new DeploymentRecorded(2, "production", "CHG-1", null, "ivan"));
    }

    [Fact]
    public void Other_environments_accept_any_registered_version()
    {
        Then(When(Given(ThreeVersionsTwoApproved()), new RecordDeployment(3, "staging", null, null, "ivan")), new DeploymentRecorded(3, "staging", null, null, "ivan"));
    }

    [Fact]
    public void Deploying_a_version_that_does_not_exist_names_the_version_field()
    {
        ThenRejected(When(Given(ThreeVersionsTwoApproved()), new RecordDeployment(9, "staging", null, null, "ivan")), RejectionKind.Validation, "version");
        ThenRejected(When(Given(ThreeVersionsTwoApproved()), new RecordDeployment(1, "Prod Env", null, null, "ivan")), RejectionKind.Validation, "environment");
    }

    [Fact]
    public void The_current_and_past_production_versions_come_from_the_history()
    {
        var t1 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var state = ModelDecider.Evolve(Given(ThreeVersionsTwoApproved()), new DeploymentRecorded(1, "production", null, null, "ivan"), t1);
        state = ModelDecider.Evolve(state, new DeploymentRecorded(2, "production", null, null, "ivan"), t1.AddDays(10));

        Assert.Equal(2, state.CurrentDeployment("production")!.Version);
        Assert.Equal(1, state.DeploymentAt("production", t1.AddDays(5))!.Version);
        Assert.Null(state.DeploymentAt("production", t1.AddDays(-1)));
    }

    [Fact]
    public void A_rollback_targets_the_version_deployed_before_the_current_one_by_default()
    {
        var state = Given([.. ThreeVersionsTwoApproved(), new DeploymentRecorded(1, "production", null, null, "ivan"), new DeploymentRecorded(2, "production", null, null, "ivan")]);

        Then(When(state, new RequestRollback("rb-1", "production", null, "latency regression", "dana")),
            new RollbackRequested("rb-1", "production", 2, 1, "latency regression", "dana"));
    }

    [Fact]
    public void A_rollback_skips_redeployments_of_the_current_version_when_finding_the_previous_one()
    {
        var state = Given([.. ThreeVersionsTwoApproved(), new DeploymentRecorded(1, "staging", null, null, "ivan"), new DeploymentRecorded(3, "staging", null, null, "ivan"), new DeploymentRecorded(3, "staging", null, null, "ivan")]);

        Then(When(state, new RequestRollback("rb-1", "staging", null, "bad", "dana")), new RollbackRequested("rb-1", "staging", 3, 1, "bad", "dana"));
    }

    [Fact]
    public void A_rollback_with_nothing_deployed_or_nothing_before_is_a_conflict()
    {
        ThenRejected(When(Given(ThreeVersionsTwoApproved()), new RequestRollback("rb-1", "production", null, "why", "dana")), RejectionKind.Conflict);
        ThenRejected(When(Given([.. ThreeVersionsTwoApproved(), new DeploymentRecorded(1, "production", null, null, "ivan")]), new RequestRollback("rb-1", "production", null, "why", "dana")), RejectionKind.Conflict);
    }

    [Fact]
    public void A_rollback_needs_a_reason_and_an_explicit_target_must_exist_and_differ()
    {
        var state = Given([.. ThreeVersionsTwoApproved(), new DeploymentRecorded(2, "production", null, null, "ivan")]);

        ThenRejected(When(state, new RequestRollback("rb-1", "production", null, " ", "dana")), RejectionKind.Validation, "reason");
        ThenRejected(When(state, new RequestRollback("rb-1", "production", 8, "why", "dana")), RejectionKind.Validation, "targetVersion");
        ThenRejected(When(state, new RequestRollback("rb-1", "production", 2, "why", "dana")), RejectionKind.Validation, "targetVersion");
        ThenRejected(When(state, new RequestRollback("rb-1", "production", 3, "why", "dana")), RejectionKind.Conflict);
        Then(When(state, new RequestRollback("rb-1", "production", 1, "why", "dana")), new RollbackRequested("rb-1", "production", 2, 1, "why", "dana"));
    }

    private static ModelState WithPendingRollback() =>
        Given([.. ThreeVersionsTwoApproved(), new DeploymentRecorded(1, "production", null, null, "ivan"), new DeploymentRecorded(2, "production", null, null, "ivan"),
            new RollbackRequested("rb-1", "production", 2, 1, "regression", "dana")]);

    [Fact]
    public void Only_one_open_rollback_per_environment()
    {
        ThenRejected(When(WithPendingRollback(), new RequestRollback("rb-2", "production", null, "again", "olga")), RejectionKind.Conflict);
    }

    [Fact]
    public void The_requester_cannot_decide_their_own_rollback()
    {
        ThenRejected(When(WithPendingRollback(), new DecideRollback("rb-1", true, "ok", "dana")), RejectionKind.Forbidden);
    }

    [Fact]
    public void An_approver_approves_or_rejects_a_pending_rollback_once()
    {
        Then(When(WithPendingRollback(), new DecideRollback("rb-1", true, "go", "ivan")), new RollbackApproved("rb-1", "go", "ivan"));
        Then(When(WithPendingRollback(), new DecideRollback("rb-1", false, "no", "ivan")), new RollbackRejected("rb-1", "no", "ivan"));
        var decided = ModelDecider.Evolve(WithPendingRollback(), new RollbackRejected("rb-1", "no", "ivan"));
        ThenRejected(When(decided, new DecideRollback("rb-1", true, "go", "olga")), RejectionKind.Conflict);
        ThenRejected(When(WithPendingRollback(), new DecideRollback("rb-9", true, "go", "ivan")), RejectionKind.NotFound);
        ThenRejected(When(WithPendingRollback(), new DecideRollback("rb-1", true, "", "ivan")), RejectionKind.Validation, "comment");
    }

    [Fact]
    public void Approving_a_rollback_does_not_deploy_the_deployment_that_carries_it_out_completes_it()
    {
        var approved = ModelDecider.Evolve(WithPendingRollback(), new RollbackApproved("rb-1", "go", "ivan"));
        Assert.Equal(2, approved.CurrentDeployment("production")!.Version);

        Then(When(approved, new RecordDeployment(1, "production", "CHG-9", "rb-1", "ivan")),
            new DeploymentRecorded(1, "production", "CHG-9", "rb-1", "ivan"), new RollbackCompleted("rb-1", 1, "production", "ivan"));
    }

    [Fact]
    public void A_deployment_cannot_carry_out_a_pending_or_mismatched_rollback()
    {
        ThenRejected(When(WithPendingRollback(), new RecordDeployment(1, "production", null, "rb-1", "ivan")), RejectionKind.Conflict);
        var approved = ModelDecider.Evolve(WithPendingRollback(), new RollbackApproved("rb-1", "go", "ivan"));
        ThenRejected(When(approved, new RecordDeployment(2, "production", null, "rb-1", "ivan")), RejectionKind.Conflict);
        ThenRejected(When(approved, new RecordDeployment(1, "production", null, "rb-7", "ivan")), RejectionKind.Validation, "rollbackRequestId");
    }

    [Fact]
    public void A_completed_rollback_frees_the_environment_for_a_new_request()
    {
        var state = ModelDecider.Evolve(WithPendingRollback(), new RollbackApproved("rb-1", "go", "ivan"));
        state = ModelDecider.Evolve(state, new DeploymentRecorded(1, "production", null, "rb-1", "ivan"));
        state = ModelDecider.Evolve(state, new RollbackCompleted("rb-1", 1, "production", "ivan"));

        Assert.Equal(RollbackStatus.Completed, state.Rollbacks["rb-1"].Status);
        Then(When(state, new RequestRollback("rb-2", "production", null, "undo", "olga")), new RollbackRequested("rb-2", "production", 1, 2, "undo", "olga"));
    }
}
