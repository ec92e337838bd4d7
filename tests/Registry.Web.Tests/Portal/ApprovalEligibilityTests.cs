using System.Collections.Immutable;
using System.Text.Json;
using Registry.Core.Models;
using Registry.Web.Components.Layout;
using Registry.Web.Features.Diff;
using Registry.Web.Features.Versions;

namespace Registry.Web.Tests.Portal;

public sealed class ApprovalEligibilityTests
{
    private static readonly AppliedRule Rule = new("medium", 1, 0, "medium risk: 1 approver");

    private static VersionState Pending(string registeredBy = "zoe", string? submittedBy = "zoe", params ApprovalState[] approvals) => new(
        new VersionRegistered(1, new Artifact("s3://a", new string('a', 64), null), [], [], ImmutableDictionary<string, JsonElement>.Empty, ImmutableDictionary<string, double>.Empty, null, null, null, registeredBy),
        VersionStatus.PendingApproval,
        DateTimeOffset.UnixEpoch,
        submittedBy,
        DateTimeOffset.UnixEpoch,
        [.. approvals],
        null,
        null);

    private static PortalUser Person(string username, params string[] roles) => new(username, username, roles);

    [Fact]
    public void An_approver_may_decide_a_pending_version_someone_else_registered()
    {
        Assert.True(ApprovalEligibility.For(Pending(), Person("olga", "approver")).Allowed);
    }

    [Fact]
    public void The_person_who_registered_a_version_may_not_decide_it_whatever_their_roles()
    {
        var eligibility = ApprovalEligibility.For(Pending(registeredBy: "sam", submittedBy: "sam"), Person("sam", "data-scientist", "approver"));

        Assert.False(eligibility.Allowed);
        Assert.StartsWith("Separation of duties: you registered this version", eligibility.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_person_who_submitted_a_version_may_not_decide_it()
    {
        var eligibility = ApprovalEligibility.For(Pending(registeredBy: "zoe", submittedBy: "sam"), Person("sam", "approver"));

        Assert.StartsWith("Separation of duties: you submitted this version", eligibility.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reviewer_decides_once()
    {
        var approval = new ApprovalState("olga", "approver", "approve", "ok", Rule, DateTimeOffset.UnixEpoch);

        Assert.Contains("already recorded your decision", ApprovalEligibility.For(Pending(approvals: approval), Person("olga", "approver")).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data-scientist")]
    [InlineData("auditor")]
    [InlineData("admin")]
    public void Other_roles_are_told_who_decides(string role)
    {
        Assert.Equal("Only approvers and compliance officers decide on versions.", ApprovalEligibility.For(Pending(), Person("x", role)).Reason);
    }

    [Fact]
    public void A_version_not_yet_submitted_cannot_be_decided()
    {
        var registered = Pending() with { Status = VersionStatus.Registered, SubmittedBy = null };

        Assert.Equal("This version has not been submitted for approval yet.", ApprovalEligibility.For(registered, Person("olga", "approver")).Reason);
    }

    [Theory]
    [InlineData("auc", 0.01, true)]
    [InlineData("f1", -0.02, false)]
    [InlineData("logloss", -0.02, true)]
    [InlineData("val_rmse", 3.0, false)]
    [InlineData("mape", -0.01, true)]
    [InlineData("p95_latency_ms", 5, false)]
    public void Metric_deltas_are_better_or_worse_by_what_the_metric_measures(string metric, double delta, bool better)
    {
        Assert.Equal(better, MetricDirection.IsImprovement(metric, delta));
    }
}
