// What the dashboard shows, each a small query over the read tables and the log head, so the page
// stays fast at 10,000 models and a million events.
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Registry.Web.Features.Home;

public sealed record DashboardCounts(long Models, long PendingApprovals, long OpenRollbacks, long LogSize);

public sealed record MyModel(string Name, string RiskTier, int LatestVersion, string? LatestStatus, DateTime UpdatedAt, string? Production);

public sealed record MyDraft(string Model, int Version, DateTime RegisteredAt);

public sealed record EnvironmentSummary(string Environment, long Models);

public sealed record RecentDeployment(string Model, int Version, string Environment, string DeployedBy, DateTime DeployedAt, string? RollbackRequestId);

public sealed record OpenRollback(string Id, string Model, string Environment, int FromVersion, int TargetVersion, string Status, string RequestedBy, DateTime RequestedAt);

public sealed record LatestCheckpoint(string Origin, long TreeSize, byte[] RootHash, DateTime SignedAt);

public sealed record Activity(long Position, string Stream, string Type, string Actor, DateTime RecordedAt, string Data)
{
    /// <summary>The model this event belongs to, when it is in a model stream.</summary>
    public string? Model => Stream.StartsWith("model-", StringComparison.Ordinal) ? Stream["model-".Length..] : null;

    /// <summary>The event in words, for people who do not read event types.</summary>
    public string Describe()
    {
        using var document = JsonDocument.Parse(Data);
        var data = document.RootElement;
        string Text(string name) => data.TryGetProperty(name, out var value) ? value.ToString() : "?";
        var model = Model ?? Stream;
        return Type switch
        {
            "ModelCreated" => $"created model {model}",
            "ModelUpdated" => $"updated the profile of {model}",
            "VersionRegistered" => $"registered v{Text("version")} of {model}",
            "VersionSubmitted" => $"submitted v{Text("version")} of {model} for approval",
            "ApprovalRecorded" => $"{(Text("decision") == "reject" ? "rejected" : "approved")} v{Text("version")} of {model} as {Text("capacity")}",
            "VersionApproved" => $"v{Text("version")} of {model} became approved",
            "VersionRejected" => $"v{Text("version")} of {model} was rejected",
            "DeploymentRecorded" => $"deployed v{Text("version")} of {model} to {Text("environment")}",
            "RollbackRequested" => $"requested a rollback of {model} in {Text("environment")} to v{Text("targetVersion")}",
            "RollbackApproved" => $"approved a rollback of {model}",
            "RollbackRejected" => $"rejected a rollback of {model}",
            "RollbackCompleted" => $"completed a rollback of {model} in {Text("environment")} to v{Text("version")}",
            "UserCreated" => $"created the account {Text("username")}",
            "RolesGranted" => $"granted {string.Join(", ", data.TryGetProperty("roles", out var granted) ? granted.EnumerateArray().Select(r => r.GetString()) : [])} to {Stream.Replace("user-", "", StringComparison.Ordinal)}",
            "RolesRevoked" => $"revoked {string.Join(", ", data.TryGetProperty("roles", out var revoked) ? revoked.EnumerateArray().Select(r => r.GetString()) : [])} from {Stream.Replace("user-", "", StringComparison.Ordinal)}",
            "TokenIssued" => $"issued an access token for {Stream.Replace("user-", "", StringComparison.Ordinal)}",
            "TokenRevoked" => $"revoked an access token of {Stream.Replace("user-", "", StringComparison.Ordinal)}",
            _ => $"{Type} on {Stream}",
        };
    }
}

public sealed class Dashboard(NpgsqlDataSource dataSource)
{
    /// <summary>Sign-ins are recorded but are not "activity" worth a dashboard line.</summary>
    private const string QuietTypes = "'SignedIn', 'SignInFailed', 'AccountLockedOut', 'PasswordChanged'";

    public async Task<DashboardCounts> CountsAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT (SELECT count(*) FROM registry.models) AS Models,
                   (SELECT count(*) FROM registry.model_versions WHERE status = 'pending-approval') AS PendingApprovals,
                   (SELECT count(*) FROM registry.rollback_requests WHERE status IN ('pending', 'approved')) AS OpenRollbacks,
                   (SELECT position FROM registry.log_head) AS LogSize
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<DashboardCounts>(new CommandDefinition(Sql, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The ten most recently changed models a person owns or created, with their latest version's
    /// status from the model's own row (migrations/0050): joining the versions made PostgreSQL
    /// hash-join every version of every model (over 1.5 s for a person who created 10,000 models).
    /// </summary>
    public async Task<IReadOnlyList<MyModel>> MyModelsAsync(string username, CancellationToken cancellationToken)
    {
        const string Sql = """
            WITH mine AS (
                SELECT name, risk_tier, latest_version, latest_status, updated_at FROM registry.models
                WHERE owner = @username OR created_by = @username
                ORDER BY updated_at DESC
                LIMIT 10)
            SELECT m.name AS Name, m.risk_tier AS RiskTier, m.latest_version AS LatestVersion, m.latest_status AS LatestStatus, m.updated_at AS UpdatedAt,
                   (SELECT 'v' || c.version FROM registry.current_deployments c WHERE c.model = m.name AND c.environment = 'production') AS Production
            FROM mine m
            ORDER BY m.updated_at DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<MyModel>(new CommandDefinition(Sql, new { username }, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<MyDraft>> MyUnsubmittedAsync(string username, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT model AS Model, version AS Version, registered_at AS RegisteredAt
            FROM registry.model_versions
            WHERE registered_by = @username AND status = 'registered'
            ORDER BY registered_at DESC
            LIMIT 10
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<MyDraft>(new CommandDefinition(Sql, new { username }, cancellationToken: cancellationToken))];
    }

    public async Task<(IReadOnlyList<EnvironmentSummary> Environments, IReadOnlyList<RecentDeployment> Recent)> EnvironmentsAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT environment AS Environment, count(*) AS Models FROM registry.current_deployments GROUP BY environment
            ORDER BY environment <> 'production', environment <> 'staging', environment;
            SELECT model AS Model, version AS Version, environment AS Environment, deployed_by AS DeployedBy, deployed_at AS DeployedAt, rollback_request_id AS RollbackRequestId
            FROM registry.deployments ORDER BY position DESC LIMIT 8;
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, cancellationToken: cancellationToken));
        var environments = (await results.ReadAsync<EnvironmentSummary>()).ToList();
        var recent = (await results.ReadAsync<RecentDeployment>()).ToList();
        return (environments, recent);
    }

    public async Task<IReadOnlyList<OpenRollback>> OpenRollbacksAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT id AS Id, model AS Model, environment AS Environment, from_version AS FromVersion, target_version AS TargetVersion, status AS Status,
                   requested_by AS RequestedBy, requested_at AS RequestedAt
            FROM registry.rollback_requests WHERE status IN ('pending', 'approved') ORDER BY requested_at LIMIT 10
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<OpenRollback>(new CommandDefinition(Sql, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<Activity>> RecentActivityAsync(int limit, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT position AS Position, stream AS Stream, type AS Type, actor AS Actor, recorded_at AS RecordedAt, data::text AS Data
            FROM registry.events WHERE type NOT IN ({QuietTypes}) ORDER BY position DESC LIMIT @limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Activity>(new CommandDefinition(sql, new { limit }, cancellationToken: cancellationToken))];
    }

    public async Task<LatestCheckpoint?> LatestCheckpointAsync(CancellationToken cancellationToken)
    {
        const string Sql = "SELECT origin AS Origin, tree_size AS TreeSize, root_hash AS RootHash, signed_at AS SignedAt FROM registry.checkpoints ORDER BY id DESC LIMIT 1";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<LatestCheckpoint>(new CommandDefinition(Sql, cancellationToken: cancellationToken));
    }
}
