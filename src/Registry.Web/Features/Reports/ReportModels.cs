// What the report components print. Queries fill these from the log and read models; the components
// only lay them out, so a report can be rendered (and tested) from any source of the same facts.
namespace Registry.Web.Features.Reports;

/// <summary>A person as the report shows them: username and, when known, display name.</summary>
public sealed record Person(string Username, string? DisplayName)
{
    public override string ToString() => DisplayName is { Length: > 0 } name && name != Username ? $"{name} ({Username})" : Username;
}

/// <summary>The signed checkpoint a report was built on.</summary>
public sealed record CheckpointSummary(
    string Origin,
    long TreeSize,
    string RootHashHex,
    string RootHashBase64,
    string SignatureBase64,
    string KeyFingerprintHex,
    DateTimeOffset? SignedAt);

public sealed record ModelIdentity(
    string Name,
    string? Description,
    string? Owner,
    string RiskTier,
    string? IntendedUse,
    string? Restrictions,
    IReadOnlyDictionary<string, string> Tags,
    Person CreatedBy,
    DateTimeOffset CreatedAt);

public sealed record ArtifactFacts(string Uri, string Sha256, long? SizeBytes);

public sealed record DatasetFacts(string Name, string Role, string? Uri, string Sha256, long? Rows);

public sealed record DependencyFacts(string Ecosystem, string Name, string Version, string? Sha256);

public sealed record ApprovalFacts(string Decision, Person Approver, string Role, DateTimeOffset At, string? Comment);

public sealed record VersionFacts(
    int Number,
    string Status,
    Person RegisteredBy,
    DateTimeOffset RegisteredAt,
    ArtifactFacts Artifact,
    IReadOnlyList<DatasetFacts> Datasets,
    IReadOnlyList<DependencyFacts> Dependencies,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, double> Metrics,
    string? SourceRepository,
    string? SourceCommit,
    int? ParentVersion,
    string? Notes,
    Person? SubmittedBy,
    DateTimeOffset? SubmittedAt,
    IReadOnlyList<ApprovalFacts> Approvals);

public sealed record DeploymentFacts(string Environment, int Version, Person DeployedBy, DateTimeOffset At, string? Reference, string? RollbackRequestId);

public sealed record RollbackFacts(
    string Id,
    string Environment,
    int? FromVersion,
    int? TargetVersion,
    string Reason,
    Person RequestedBy,
    DateTimeOffset RequestedAt,
    string Status,
    Person? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? Comment);

/// <summary>One line of the who-changed-what log.</summary>
public sealed record ChangeFacts(long Position, DateTimeOffset At, Person Actor, string Stream, string Type, string Summary);

public sealed record LineageNode(string Id, string Kind, string Label, string? Detail);

public sealed record LineageEdge(string From, string To, string Kind);

public sealed record LineageFacts(IReadOnlyList<LineageNode> Nodes, IReadOnlyList<LineageEdge> Edges);

/// <summary>Everything the model dossier prints (CONTRACT section 5).</summary>
public sealed record ModelDossier(
    ModelIdentity Model,
    IReadOnlyList<VersionFacts> Versions,
    IReadOnlyList<DeploymentFacts> Deployments,
    IReadOnlyList<RollbackFacts> Rollbacks,
    LineageFacts Lineage,
    IReadOnlyList<ChangeFacts> Changes,
    CheckpointSummary? Checkpoint,
    DateTimeOffset? AsOf,
    DateTimeOffset GeneratedAt,
    Person GeneratedBy);

/// <summary>The changes to one model within a period.</summary>
public sealed record ModelActivity(
    string Model,
    IReadOnlyList<ChangeFacts> Changes,
    IReadOnlyList<ApprovalActivity> Approvals,
    IReadOnlyList<DeploymentFacts> Deployments);

public sealed record ApprovalActivity(int Version, ApprovalFacts Approval);

/// <summary>Every change across all models between two instants.</summary>
public sealed record ActivityReport(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<ModelActivity> Models,
    IReadOnlyList<ChangeFacts> OtherChanges,
    CheckpointSummary? Checkpoint,
    DateTimeOffset GeneratedAt,
    Person GeneratedBy);

public sealed record RoleGrantFacts(string Role, Person? GrantedBy, DateTimeOffset GrantedAt);

public sealed record RoleChangeFacts(DateTimeOffset At, Person By, IReadOnlyList<string> Granted, IReadOnlyList<string> Revoked);

public sealed record TokenFacts(string Name, DateTimeOffset IssuedAt, Person IssuedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

public sealed record UserAccessFacts(
    Person User,
    bool HasRoles,
    DateTimeOffset CreatedAt,
    Person? CreatedBy,
    string Source,
    IReadOnlyList<RoleGrantFacts> Roles,
    IReadOnlyList<RoleChangeFacts> RoleHistory,
    DateTimeOffset? LastSignInAt,
    int SignIns,
    int SignInFailures,
    int LockOuts,
    IReadOnlyList<TokenFacts> Tokens);

/// <summary>Users, their roles and who granted them, sign-ins and tokens: for access reviews.</summary>
public sealed record AccessReport(
    IReadOnlyList<UserAccessFacts> Users,
    CheckpointSummary? Checkpoint,
    DateTimeOffset GeneratedAt,
    Person GeneratedBy);
