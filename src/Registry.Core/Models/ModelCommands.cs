using System.Text.Json;

namespace Registry.Core.Models;

/// <summary>What a caller asks of a model. <c>Actor</c> is the authenticated username.</summary>
public abstract record ModelCommand(string Actor);

public sealed record CreateModel(
    string Name,
    string? Description,
    string? Owner,
    string? RiskTier,
    string? IntendedUse,
    string? Restrictions,
    IReadOnlyDictionary<string, string>? Tags,
    string Actor) : ModelCommand(Actor);

/// <summary>Null members are left as they are. <c>ExpectedRevision</c> comes from If-Match.</summary>
public sealed record UpdateModel(
    string? Description,
    string? Owner,
    string? RiskTier,
    string? IntendedUse,
    string? Restrictions,
    IReadOnlyDictionary<string, string>? Tags,
    int? ExpectedRevision,
    string Actor) : ModelCommand(Actor);

public sealed record RegisterVersion(
    Artifact? Artifact,
    IReadOnlyList<Dataset>? Datasets,
    IReadOnlyList<Dependency>? Dependencies,
    IReadOnlyDictionary<string, JsonElement>? Parameters,
    IReadOnlyDictionary<string, double>? Metrics,
    SourceReference? Source,
    int? ParentVersion,
    string? Notes,
    string Actor) : ModelCommand(Actor);

public sealed record SubmitVersion(int Version, string Actor) : ModelCommand(Actor);

public sealed record RecordApproval(int Version, string? Decision, string? Comment, IReadOnlyCollection<string> ActorRoles, string Actor) : ModelCommand(Actor);

public sealed record RecordDeployment(int? Version, string? Environment, string? Reference, string? RollbackRequestId, string Actor) : ModelCommand(Actor);

/// <summary><c>Id</c> is chosen by the caller of the decider (a new GUID), so the decider stays pure.</summary>
public sealed record RequestRollback(string Id, string? Environment, int? TargetVersion, string? Reason, string Actor) : ModelCommand(Actor);

public sealed record DecideRollback(string Id, bool Approve, string? Comment, string Actor) : ModelCommand(Actor);
