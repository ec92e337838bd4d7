// Versions waiting for a decision, oldest submission first (the partial index model_versions_pending),
// with what the reviewer needs to triage: risk tier, who registered and submitted it, how many
// decisions are in, whether the reviewer already decided, and what runs in production to diff against.
using Dapper;
using Npgsql;

namespace Registry.Web.Features.Approvals;

public sealed record PendingVersion(
    string Model,
    int Version,
    string RiskTier,
    string? Owner,
    string RegisteredBy,
    string? SubmittedBy,
    DateTime? SubmittedAt,
    int? ProductionVersion,
    long Decisions,
    bool DecidedByMe)
{
    /// <summary>Why the reviewer cannot decide this one, or null when they can.</summary>
    public string? BlockedFor(string username) =>
        RegisteredBy == username ? "you registered it"
        : SubmittedBy == username ? "you submitted it"
        : DecidedByMe ? "you already decided"
        : null;
}

public sealed class ApprovalQueue(NpgsqlDataSource dataSource)
{
    public async Task<(IReadOnlyList<PendingVersion> Items, long Total)> PendingAsync(string reviewer, int limit, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT v.model AS Model, v.version AS Version, m.risk_tier AS RiskTier, m.owner AS Owner, v.registered_by AS RegisteredBy,
                   v.submitted_by AS SubmittedBy, v.submitted_at AS SubmittedAt,
                   (SELECT c.version FROM registry.current_deployments c WHERE c.model = v.model AND c.environment = 'production') AS ProductionVersion,
                   (SELECT count(*) FROM registry.approvals a WHERE a.model = v.model AND a.version = v.version) AS Decisions,
                   EXISTS (SELECT 1 FROM registry.approvals a WHERE a.model = v.model AND a.version = v.version AND a.approver = @reviewer) AS DecidedByMe
            FROM registry.model_versions v
            JOIN registry.models m ON m.name = v.model
            WHERE v.status = 'pending-approval'
            ORDER BY v.submitted_at, v.model, v.version
            LIMIT @limit;
            SELECT count(*) FROM registry.model_versions WHERE status = 'pending-approval';
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, new { reviewer, limit }, cancellationToken: cancellationToken));
        var items = (await results.ReadAsync<PendingVersion>()).ToList();
        return (items, await results.ReadSingleAsync<long>());
    }
}
