// The read model of model streams: the registry.* tables of migrations/0010 (docs/read-models.md).
// Runs inside the append's transaction, one batch round trip per append, so the API and the
// portal read their own writes; ResetAsync + replay rebuilds it from the log.
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Registry.Core.Models;

namespace Registry.EventStore.Projections;

public sealed class ModelProjection : IBatchedProjection
{
    private const string StreamPrefix = "model-";

    public string Name => "models";

    public void AddTo(NpgsqlBatch batch, IReadOnlyList<StoredEvent> events)
    {
        // Consecutive registrations (the bulk of a busy log) become four set-based statements
        // however many there are, instead of four each: these run while the log's head is locked.
        var registrations = new List<Registration>();
        foreach (var stored in events)
        {
            if (!stored.Stream.StartsWith(StreamPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var model = stored.Stream[StreamPrefix.Length..];
            if (stored.Type == nameof(VersionRegistered))
            {
                // The columns are read straight from the event's JSON: binding the whole record
                // (parameters, metrics, notes) only to read these cost more than the rest of this method.
                registrations.Add(Registration.Read(model, stored));
                continue;
            }

            if (ModelEventJson.Deserialize(stored.Type, stored.Data) is not { } @event)
            {
                continue;
            }

            AddRegistrations(batch, registrations);
            Add(batch, model, stored, @event);
        }

        AddRegistrations(batch, registrations);
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddTo(batch, events);
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            TRUNCATE registry.models, registry.model_versions, registry.version_datasets, registry.version_dependencies,
                     registry.approvals, registry.deployments, registry.current_deployments, registry.rollback_requests
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Add(NpgsqlBatch batch, string model, StoredEvent stored, ModelEvent @event)
    {
        var at = stored.RecordedAt.UtcDateTime;
        switch (@event)
        {
            case ModelCreated e:
                Sql(batch, """
                    INSERT INTO registry.models (name, description, owner, risk_tier, intended_use, restrictions, tags, created_by, created_at, updated_at, revision, last_position)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1, $10)
                    """, model, e.Description, e.Owner, e.RiskTier, e.IntendedUse, e.Restrictions, Jsonb(e.Tags), e.CreatedBy, at, stored.Position);
                break;
            case ModelUpdated e:
                Sql(batch, """
                    UPDATE registry.models SET
                        description = coalesce($2, description), owner = coalesce($3, owner), risk_tier = coalesce($4, risk_tier),
                        intended_use = coalesce($5, intended_use), restrictions = coalesce($6, restrictions), tags = coalesce($7, tags),
                        updated_at = $8, revision = revision + 1, last_position = $9
                    WHERE name = $1
                    """, model, e.Description, e.Owner, e.RiskTier, e.IntendedUse, e.Restrictions, e.Tags is null ? null : Jsonb(e.Tags), at, stored.Position);
                break;
            case VersionSubmitted e:
                Sql(batch, "UPDATE registry.model_versions SET status = 'pending-approval', submitted_by = $3, submitted_at = $4 WHERE model = $1 AND version = $2", model, e.Version, e.SubmittedBy, at);
                LatestStatus(batch, model, e.Version, VersionStatus.PendingApproval);
                break;
            case ApprovalRecorded e:
                Sql(batch, """
                    INSERT INTO registry.approvals (position, model, version, approver, capacity, decision, comment, risk_tier, rule, recorded_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """, stored.Position, model, e.Version, e.Approver, e.Capacity, e.Decision, e.Comment, e.Rule.RiskTier, e.Rule.Description, at);
                break;
            case VersionApproved e:
                Decided(batch, model, e.Version, VersionStatus.Approved, e.Rule, at);
                break;
            case VersionRejected e:
                Decided(batch, model, e.Version, VersionStatus.Rejected, e.Rule, at);
                break;
            case DeploymentRecorded e:
                Sql(batch, """
                    INSERT INTO registry.deployments (position, model, version, environment, reference, rollback_request_id, deployed_by, deployed_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    """, stored.Position, model, e.Version, e.Environment, e.Reference, e.RollbackRequestId, e.DeployedBy, at);
                Sql(batch, """
                    INSERT INTO registry.current_deployments (model, environment, version, position, deployed_by, deployed_at)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (model, environment) DO UPDATE SET version = excluded.version, position = excluded.position, deployed_by = excluded.deployed_by, deployed_at = excluded.deployed_at
                    """, model, e.Environment, e.Version, stored.Position, e.DeployedBy, at);
                break;
            case RollbackRequested e:
                Sql(batch, """
                    INSERT INTO registry.rollback_requests (id, model, environment, from_version, target_version, reason, status, requested_by, requested_at)
                    VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)
                    """, e.Id, model, e.Environment, e.FromVersion, e.TargetVersion, e.Reason, e.RequestedBy, at);
                break;
            case RollbackApproved e:
                Sql(batch, "UPDATE registry.rollback_requests SET status = 'approved', decided_by = $2, decision_comment = $3, decided_at = $4 WHERE id = $1", e.Id, e.ApprovedBy, e.Comment, at);
                break;
            case RollbackRejected e:
                Sql(batch, "UPDATE registry.rollback_requests SET status = 'rejected', decided_by = $2, decision_comment = $3, decided_at = $4 WHERE id = $1", e.Id, e.RejectedBy, e.Comment, at);
                break;
            case RollbackCompleted e:
                Sql(batch, "UPDATE registry.rollback_requests SET status = 'completed', completed_at = $2, completed_position = $3 WHERE id = $1", e.Id, at, stored.Position);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Adds the statements of a run of registrations and empties the list. They commute within the
    /// run: new rows under distinct keys, and a model's latest version and last position only grow.
    /// </summary>
    private static void AddRegistrations(NpgsqlBatch batch, List<Registration> registrations)
    {
        if (registrations.Count == 0)
        {
            return;
        }

        Sql(batch, """
            INSERT INTO registry.model_versions (model, version, status, artifact_uri, artifact_sha256, parent_version, registered_by, registered_at, registration)
            SELECT m, v, 'registered', u, h, p, b, t, r::jsonb
            FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::timestamptz[], $8::text[]) AS x(m, v, u, h, p, b, t, r)
            """,
            registrations.ConvertAll(r => r.Model).ToArray(),
            registrations.ConvertAll(r => r.Version).ToArray(),
            registrations.ConvertAll(r => r.ArtifactUri).ToArray(),
            registrations.ConvertAll(r => r.ArtifactSha256).ToArray(),
            registrations.ConvertAll(r => r.ParentVersion).ToArray(),
            registrations.ConvertAll(r => r.RegisteredBy).ToArray(),
            registrations.ConvertAll(r => r.Stored.RecordedAt.UtcDateTime).ToArray(),
            registrations.ConvertAll(r => r.Stored.Data.GetRawText()).ToArray());
        Sql(batch, """
            UPDATE registry.models m SET latest_version = greatest(m.latest_version, x.v),
                latest_status = CASE WHEN x.v >= m.latest_version THEN 'registered' ELSE m.latest_status END, last_position = x.p
            FROM (SELECT m, max(v) AS v, max(p) AS p FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS u(m, v, p) GROUP BY m) AS x
            WHERE m.name = x.m
            """,
            registrations.ConvertAll(r => r.Model).ToArray(),
            registrations.ConvertAll(r => r.Version).ToArray(),
            registrations.ConvertAll(r => r.Stored.Position).ToArray());

        var datasets = registrations.SelectMany(r => r.Datasets.Select(d => (r.Model, r.Version, Dataset: d))).ToList();
        if (datasets.Count > 0)
        {
            Sql(batch, """
                INSERT INTO registry.version_datasets (model, version, role, name, uri, sha256, rows)
                SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
                """,
                datasets.ConvertAll(d => d.Model).ToArray(),
                datasets.ConvertAll(d => d.Version).ToArray(),
                datasets.ConvertAll(d => d.Dataset.Role).ToArray(),
                datasets.ConvertAll(d => d.Dataset.Name).ToArray(),
                datasets.ConvertAll(d => d.Dataset.Uri).ToArray(),
                datasets.ConvertAll(d => d.Dataset.Sha256).ToArray(),
                datasets.ConvertAll(d => d.Dataset.Rows).ToArray());
        }

        var dependencies = registrations.SelectMany(r => r.Dependencies.Select(d => (r.Model, r.Version, Dependency: d))).ToList();
        if (dependencies.Count > 0)
        {
            Sql(batch, """
                INSERT INTO registry.version_dependencies (model, version, ecosystem, name, package_version, sha256)
                SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[])
                """,
                dependencies.ConvertAll(d => d.Model).ToArray(),
                dependencies.ConvertAll(d => d.Version).ToArray(),
                dependencies.ConvertAll(d => d.Dependency.Ecosystem).ToArray(),
                dependencies.ConvertAll(d => d.Dependency.Name).ToArray(),
                dependencies.ConvertAll(d => d.Dependency.Version).ToArray(),
                dependencies.ConvertAll(d => d.Dependency.Sha256).ToArray());
        }

        registrations.Clear();
    }

    private static void Decided(NpgsqlBatch batch, string model, int version, string status, AppliedRule rule, DateTime at)
    {
        Sql(batch, "UPDATE registry.model_versions SET status = $3, decided_at = $4, decision_rule = $5, decided_rule = $6 WHERE model = $1 AND version = $2", model, version, status, at, rule.Description, Jsonb(rule));
        LatestStatus(batch, model, version, status);
    }

    /// <summary>
    /// The models list filters on the latest version's status (migrations/0050): the model's row
    /// follows its versions' status changes, but only those of the version that is its latest.
    /// </summary>
    private static void LatestStatus(NpgsqlBatch batch, string model, int version, string status) =>
        Sql(batch, "UPDATE registry.models SET latest_status = $3 WHERE name = $1 AND latest_version = $2", model, version, status);

    private static JsonbValue Jsonb<T>(T value) => new(JsonSerializer.Serialize(value, ModelEventJson.Options));

    private static void Sql(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                JsonbValue j => new NpgsqlParameter { Value = j.Json, NpgsqlDbType = NpgsqlDbType.Jsonb },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        batch.BatchCommands.Add(command);
    }

    private sealed record JsonbValue(string Json);

    /// <summary>What the read tables hold of a <see cref="VersionRegistered"/> (its JSON members as <see cref="ModelEventJson"/> writes them).</summary>
    private sealed record Registration(
        string Model,
        StoredEvent Stored,
        int Version,
        string ArtifactUri,
        string ArtifactSha256,
        int? ParentVersion,
        string RegisteredBy,
        List<Dataset> Datasets,
        List<Dependency> Dependencies)
    {
        public static Registration Read(string model, StoredEvent stored)
        {
            var data = stored.Data;
            var artifact = data.GetProperty("artifact");
            var datasets = new List<Dataset>();
            if (data.TryGetProperty("datasets", out var ds) && ds.ValueKind == JsonValueKind.Array)
            {
                foreach (var d in ds.EnumerateArray())
                {
                    datasets.Add(new Dataset(String(d, "name")!, String(d, "role")!, String(d, "uri"), String(d, "sha256")!, d.TryGetProperty("rows", out var rows) && rows.ValueKind == JsonValueKind.Number ? rows.GetInt64() : null));
                }
            }

            var dependencies = new List<Dependency>();
            if (data.TryGetProperty("dependencies", out var deps) && deps.ValueKind == JsonValueKind.Array)
            {
                foreach (var d in deps.EnumerateArray())
                {
                    dependencies.Add(new Dependency(String(d, "ecosystem")!, String(d, "name")!, String(d, "version")!, String(d, "sha256")));
                }
            }

            return new Registration(
                model,
                stored,
                data.GetProperty("version").GetInt32(),
                String(artifact, "uri")!,
                String(artifact, "sha256")!,
                data.TryGetProperty("parentVersion", out var parent) && parent.ValueKind == JsonValueKind.Number ? parent.GetInt32() : null,
                String(data, "registeredBy")!,
                datasets,
                dependencies);
        }

        private static string? String(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
