// Reads of one model or version from the read tables (docs/read-models.md): one round trip each,
// whatever the length of the model's stream. The projection runs in the append's transaction, so
// these are as fresh as the log. "As of" reads fold the stream instead (ModelStreams).
using System.Text.Json;
using Npgsql;
using Registry.Core.Models;
using Registry.Web.Features.Models;
using Registry.Web.Features.Versions;

namespace Registry.Web.Features.Shared;

public sealed class ReadModels(NpgsqlDataSource db)
{
    public async Task<ModelView?> ModelAsync(string name, CancellationToken cancellationToken)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT description, owner, risk_tier, intended_use, restrictions, tags::text, created_by, created_at, updated_at, revision, latest_version
            FROM registry.models WHERE name = $1
            """, name));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("SELECT environment, version FROM registry.current_deployments WHERE model = $1", name));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var view = new ModelView(
            name, NullableString(reader, 0), NullableString(reader, 1), reader.GetString(2), NullableString(reader, 3), NullableString(reader, 4),
            JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5))!, reader.GetString(6), reader.GetDateTime(7), reader.GetDateTime(8),
            reader.GetInt32(9), reader.GetInt32(10), new Dictionary<string, int>(StringComparer.Ordinal));
        await reader.NextResultAsync(cancellationToken);
        var deployed = (Dictionary<string, int>)view.Deployed;
        while (await reader.ReadAsync(cancellationToken))
        {
            deployed[reader.GetString(0)] = reader.GetInt32(1);
        }

        return view;
    }

    /// <summary>The version, or null when there is none, or when its row predates the registration column (fold instead).</summary>
    public async Task<VersionView?> VersionAsync(string model, int version, CancellationToken cancellationToken)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT status, registration::text, registered_at, submitted_by, submitted_at, decided_at, decided_rule::text
            FROM registry.model_versions WHERE model = $1 AND version = $2 AND registration IS NOT NULL
            """, model, version));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT approver, capacity, decision, comment, rule, recorded_at FROM registry.approvals WHERE model = $1 AND version = $2 ORDER BY position
            """, model, version));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT environment, reference, rollback_request_id, deployed_by, deployed_at FROM registry.deployments WHERE model = $1 AND version = $2 ORDER BY position DESC
            """, model, version));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var status = reader.GetString(0);
        var r = Registration(reader.GetString(1));
        var registeredAt = reader.GetDateTime(2);
        var submittedBy = NullableString(reader, 3);
        DateTime? submittedAt = reader.IsDBNull(4) ? null : reader.GetDateTime(4);
        DateTime? decidedAt = reader.IsDBNull(5) ? null : reader.GetDateTime(5);
        var rule = reader.IsDBNull(6) ? null : JsonSerializer.Deserialize<AppliedRule>(reader.GetString(6), ModelEventJson.Options);
        await reader.NextResultAsync(cancellationToken);
        var approvals = new List<ApprovalView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            approvals.Add(new ApprovalView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetDateTime(5)));
        }

        await reader.NextResultAsync(cancellationToken);
        var deployments = new List<DeploymentView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deployments.Add(new DeploymentView(model, version, reader.GetString(0), NullableString(reader, 1), NullableString(reader, 2), reader.GetString(3), reader.GetDateTime(4)));
        }

        return new VersionView(
            model, version, status, r.Artifact, r.Datasets, r.Dependencies, r.Parameters, r.Metrics, r.Source, r.ParentVersion, r.Notes,
            r.RegisteredBy, registeredAt, submittedBy, submittedAt, decidedAt, rule, approvals, deployments);
    }

    /// <summary>
    /// The version's lineage from the read tables (its parent chain and deployments), the same graph
    /// <see cref="LineageGraph.For(ModelState, int)"/> draws from the folded stream; null when the
    /// version has no row with its registration (the caller folds instead, and says what is missing).
    /// </summary>
    public async Task<LineageGraph?> LineageAsync(string model, int version, CancellationToken cancellationToken)
    {
        await using var batch = db.CreateBatch();
        // A parent is always an earlier version (the decider refuses others), so the walk ends.
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            WITH RECURSIVE chain AS (
                SELECT version, status, parent_version, registration FROM registry.model_versions WHERE model = $1 AND version = $2 AND registration IS NOT NULL
                UNION ALL
                SELECT v.version, v.status, v.parent_version, v.registration
                FROM chain c JOIN registry.model_versions v ON v.model = $1 AND v.version = c.parent_version AND v.version < c.version
                WHERE v.registration IS NOT NULL)
            SELECT version, status, registration::text FROM chain
            """, model, version));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT ordinal, environment, reference, rollback_request_id, deployed_by, deployed_at
            FROM (SELECT version, environment, reference, rollback_request_id, deployed_by, deployed_at, row_number() OVER (ORDER BY position) AS ordinal
                  FROM registry.deployments WHERE model = $1) d
            WHERE version = $2 ORDER BY ordinal
            """, model, version));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var chain = new List<(int, string, VersionRegistered)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            chain.Add((reader.GetInt32(0), reader.GetString(1), Registration(reader.GetString(2))));
        }

        await reader.NextResultAsync(cancellationToken);
        var deployments = new List<(int, DeploymentState)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deployments.Add(((int)reader.GetInt64(0), new DeploymentState(
                version, reader.GetString(1), NullableString(reader, 2), NullableString(reader, 3), reader.GetString(4), new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero))));
        }

        return chain.Count == 0 ? null : LineageGraph.For(model, chain, deployments);
    }

    /// <summary>The registrations of two versions (either null when missing or not yet in the table).</summary>
    public async Task<(VersionRegistered? From, VersionRegistered? To)> RegistrationsAsync(string model, int from, int to, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT version, registration::text FROM registry.model_versions WHERE model = $1 AND version IN ($2, $3) AND registration IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = model });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        VersionRegistered? a = null, b = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var registration = Registration(reader.GetString(1));
            if (reader.GetInt32(0) == from)
            {
                a = registration;
            }

            if (reader.GetInt32(0) == to)
            {
                b = registration;
            }
        }

        return (a, b);
    }

    private static VersionRegistered Registration(string json) => JsonSerializer.Deserialize<VersionRegistered>(json, ModelEventJson.Options)!;

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
