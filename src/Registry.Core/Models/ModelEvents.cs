// Everything that can happen to a model, in its stream `model-{name}`: the model itself, its
// versions, their approvals, deployments and rollback requests. One stream is one consistency
// boundary (docs/decisions/0010-model-stream-and-approval-policy.md). Event type name = record name;
// data = the record in camelCase JSON.
using System.Text.Json;

namespace Registry.Core.Models;

public abstract record ModelEvent;

public sealed record ModelCreated(
    string Name,
    string? Description,
    string? Owner,
    string RiskTier,
    string? IntendedUse,
    string? Restrictions,
    IReadOnlyDictionary<string, string> Tags,
    string CreatedBy) : ModelEvent;

/// <summary>Only the members that changed are set.</summary>
public sealed record ModelUpdated(
    string? Description,
    string? Owner,
    string? RiskTier,
    string? IntendedUse,
    string? Restrictions,
    IReadOnlyDictionary<string, string>? Tags,
    string UpdatedBy) : ModelEvent;

public sealed record Artifact(string Uri, string Sha256, long? SizeBytes);

public sealed record Dataset(string Name, string Role, string? Uri, string Sha256, long? Rows);

public sealed record Dependency(string Ecosystem, string Name, string Version, string? Sha256);

public sealed record SourceReference(string? Repository, string? Commit);

public sealed record VersionRegistered(
    int Version,
    Artifact Artifact,
    IReadOnlyList<Dataset> Datasets,
    IReadOnlyList<Dependency> Dependencies,
    IReadOnlyDictionary<string, JsonElement> Parameters,
    IReadOnlyDictionary<string, double> Metrics,
    SourceReference? Source,
    int? ParentVersion,
    string? Notes,
    string RegisteredBy) : ModelEvent;

public sealed record VersionSubmitted(int Version, string SubmittedBy) : ModelEvent;

/// <summary>The approval rule that applied, written into every approval event so an auditor sees it.</summary>
public sealed record AppliedRule(string RiskTier, int Approvers, int ComplianceSignOffs, string Description);

/// <summary>One person's decision. <c>Capacity</c> is the role the decision counts for: approver or compliance.</summary>
public sealed record ApprovalRecorded(
    int Version,
    string Approver,
    string Capacity,
    string Decision,
    string Comment,
    AppliedRule Rule) : ModelEvent;

public sealed record VersionApproved(int Version, AppliedRule Rule) : ModelEvent;

public sealed record VersionRejected(int Version, string RejectedBy, AppliedRule Rule) : ModelEvent;

public sealed record DeploymentRecorded(
    int Version,
    string Environment,
    string? Reference,
    string? RollbackRequestId,
    string DeployedBy) : ModelEvent;

public sealed record RollbackRequested(
    string Id,
    string Environment,
    int FromVersion,
    int TargetVersion,
    string Reason,
    string RequestedBy) : ModelEvent;

public sealed record RollbackApproved(string Id, string Comment, string ApprovedBy) : ModelEvent;

public sealed record RollbackRejected(string Id, string Comment, string RejectedBy) : ModelEvent;

/// <summary>Recorded with the deployment that carried the rollback out, in the same append.</summary>
public sealed record RollbackCompleted(string Id, int Version, string Environment, string DeployedBy) : ModelEvent;
