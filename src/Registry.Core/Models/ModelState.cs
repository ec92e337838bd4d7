using System.Collections.Immutable;

namespace Registry.Core.Models;

public static class VersionStatus
{
    public const string Registered = "registered";
    public const string PendingApproval = "pending-approval";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

public static class RollbackStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Completed = "completed";
}

public static class RiskTiers
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";

    public static readonly IReadOnlyList<string> All = [Low, Medium, High];
}

public static class Environments
{
    public const string Production = "production";
}

public sealed record ModelProfile(
    string? Description,
    string? Owner,
    string RiskTier,
    string? IntendedUse,
    string? Restrictions,
    IReadOnlyDictionary<string, string> Tags);

public sealed record ApprovalState(string Approver, string Capacity, string Decision, string Comment, AppliedRule Rule, DateTimeOffset At);

public sealed record VersionState(
    VersionRegistered Registration,
    string Status,
    DateTimeOffset RegisteredAt,
    string? SubmittedBy,
    DateTimeOffset? SubmittedAt,
    ImmutableList<ApprovalState> Approvals,
    AppliedRule? DecisionRule,
    DateTimeOffset? DecidedAt)
{
    public int Number => Registration.Version;

    public string RegisteredBy => Registration.RegisteredBy;
}

public sealed record DeploymentState(int Version, string Environment, string? Reference, string? RollbackRequestId, string DeployedBy, DateTimeOffset At);

public sealed record RollbackState(
    string Id,
    string Environment,
    int FromVersion,
    int TargetVersion,
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    string Status,
    string? DecidedBy,
    string? DecisionComment,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? CompletedAt);

/// <summary>A model as folded from its stream. <c>Revision</c> counts changes to the profile (the ETag).</summary>
public sealed record ModelState(
    string Name,
    ModelProfile Profile,
    int Revision,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ImmutableSortedDictionary<int, VersionState> Versions,
    ImmutableList<DeploymentState> Deployments,
    ImmutableDictionary<string, RollbackState> Rollbacks)
{
    /// <summary>The state before the stream's first event: no model.</summary>
    public static readonly ModelState Initial = new(
        "",
        new ModelProfile(null, null, RiskTiers.Low, null, null, ImmutableDictionary<string, string>.Empty),
        0,
        "",
        default,
        default,
        ImmutableSortedDictionary<int, VersionState>.Empty,
        [],
        ImmutableDictionary<string, RollbackState>.Empty);

    public bool Exists => Revision > 0;

    /// <summary>
    /// The highest version number registered (0 before the first). Kept by Evolve rather than computed:
    /// the maximum of <see cref="Versions"/> walks every version, and each registration asks for it.
    /// </summary>
    public int LatestVersion { get; init; }

    /// <summary>The deployment now live in an environment (the newest one recorded there), if any.</summary>
    public DeploymentState? CurrentDeployment(string environment) => Deployments.LastOrDefault(d => d.Environment == environment);

    /// <summary>The version live in an environment at a time, from the deployment history.</summary>
    public DeploymentState? DeploymentAt(string environment, DateTimeOffset at) => Deployments.LastOrDefault(d => d.Environment == environment && d.At <= at);
}
