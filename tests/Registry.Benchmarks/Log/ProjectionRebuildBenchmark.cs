// Rebuilding projections from 1,000,000 events (issue 3: report events/s), twice:
//  - the host's own read models (ModelProjection and UserProjection: models, versions, datasets,
//    dependencies, approvals, deployments, rollbacks, users) over the run's scale registry, the
//    rebuild an operator runs with `registry rebuild`; the read tables must come back with the same rows;
//  - a synthetic read table that upserts one row per event over the million-event log, for a figure
//    that does not depend on how the host's projections are written.
// Baseline in the same run: reading and parsing the same events without applying them.
using System.Diagnostics;
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.EventStore;
using Registry.EventStore.Projections;

namespace Registry.Benchmarks.Log;

public sealed class ProjectionRebuildBenchmark : IBenchmark
{
    public string Name => "projection-rebuild-1m";

    /// <summary>The host's read tables, each with its row count before the rebuild (it must be the same after).</summary>
    private static readonly string[] ReadTables =
    [
        "models", "model_versions", "version_datasets", "version_dependencies", "approvals", "deployments",
        "current_deployments", "rollback_requests", "users", "user_tokens",
    ];

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var host = await HostProjectionsAsync(context, cancellationToken);
        var synthetic = await SyntheticAsync(context, cancellationToken);
        return new BenchmarkResult(
            Name,
            new Dictionary<string, double>
            {
                ["host_events"] = host.Events,
                ["host_rebuild_seconds"] = host.Seconds,
                ["host_rebuild_events_per_second"] = host.Events / host.Seconds,
                ["host_rows"] = host.Rows,
                ["synthetic_events"] = synthetic.Events,
                ["synthetic_rebuild_seconds"] = synthetic.Seconds,
                ["synthetic_rebuild_events_per_second"] = synthetic.Events / synthetic.Seconds,
            },
            new Dictionary<string, double>
            {
                ["host_read_events_per_second"] = host.Events / host.ReadSeconds,
                ["synthetic_read_events_per_second"] = synthetic.Events / synthetic.ReadSeconds,
            },
            [],
            $"host read models (models, versions, users…) from {host.Events:N0} events into {host.Rows:N0} rows: {host.Events / host.Seconds:N0} events/s ({host.Seconds:0.0} s); " +
            $"a one-table projection from {synthetic.Events:N0} events: {synthetic.Events / synthetic.Seconds:N0} events/s ({synthetic.Seconds:0.0} s); " +
            $"reading the events alone: {host.Events / host.ReadSeconds:N0} events/s");
    }

    private sealed record Rebuild(long Events, double Seconds, double ReadSeconds, long Rows);

    private static async Task<Rebuild> HostProjectionsAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var scale = await ScaleRegistry.GetAsync(context, cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(scale.ConnectionString + ";Command Timeout=0");
        await using var store = new Registry.EventStore.EventStore(dataSource, [new ModelProjection(), new UserProjection()], new EventStoreOptions(), TimeProvider.System);
        var before = await RowsAsync(dataSource, cancellationToken);
        var readSeconds = await ReadAllAsync(store, cancellationToken);

        var rebuild = Stopwatch.StartNew();
        var replayed = await store.RebuildProjectionsAsync(cancellationToken: cancellationToken);
        var seconds = rebuild.Elapsed.TotalSeconds;
        var after = await RowsAsync(dataSource, cancellationToken);
        var changed = ReadTables.Where(t => before[t] != after[t]).Select(t => $"{t} {before[t]:N0} → {after[t]:N0}").ToList();
        if (changed.Count > 0 || replayed < scale.Events)
        {
            throw new InvalidOperationException($"the rebuild replayed {replayed:N0} events and changed the read tables: {string.Join(", ", changed)}");
        }

        // The rebuild rewrote every row in one transaction; later benchmarks read these tables.
        await using (var vacuum = dataSource.CreateCommand("VACUUM ANALYZE"))
        {
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        var rows = after.Values.Sum();
        context.Say($"host read models: {replayed:N0} events → {rows:N0} rows in {seconds:0.0} s ({replayed / seconds:N0} events/s)");
        return new Rebuild(replayed, seconds, readSeconds, rows);
    }

    private static async Task<Dictionary<string, long>> RowsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, long>();
        foreach (var table in ReadTables)
        {
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM registry.{table}");
            rows[table] = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        return rows;
    }

    /// <summary>The baseline: every event read and parsed, nothing applied.</summary>
    private static async Task<double> ReadAllAsync(Registry.EventStore.EventStore store, CancellationToken cancellationToken)
    {
        var read = Stopwatch.StartNew();
        for (var after = 0L; ;)
        {
            var page = await store.ReadAllAsync(after, 5000, cancellationToken);
            if (page.Count == 0)
            {
                return read.Elapsed.TotalSeconds;
            }

            after = page[^1].Position;
        }
    }

    private static async Task<Rebuild> SyntheticAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(await MillionEventLog.GetAsync(context) + ";Command Timeout=0");
        await using (var create = dataSource.CreateCommand(LatestVersionProjection.CreateTable))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var store = new Registry.EventStore.EventStore(dataSource, [new LatestVersionProjection()], new EventStoreOptions(), TimeProvider.System);
        var readSeconds = await ReadAllAsync(store, cancellationToken);
        var rebuild = Stopwatch.StartNew();
        var replayed = await store.RebuildProjectionsAsync(cancellationToken: cancellationToken);
        var seconds = rebuild.Elapsed.TotalSeconds;
        await using var rows = dataSource.CreateCommand("SELECT count(*) FROM registry.bench_latest_versions");
        var models = (long)(await rows.ExecuteScalarAsync(cancellationToken))!;
        if (replayed != MillionEventLog.Events || models != MillionEventLog.Streams)
        {
            throw new InvalidOperationException($"rebuild replayed {replayed} events into {models} rows");
        }

        context.Say($"synthetic projection: {replayed:N0} events in {seconds:0.0} s ({replayed / seconds:N0} events/s)");
        return new Rebuild(replayed, seconds, readSeconds, models);
    }

    /// <summary>A read table of the kind the portal keeps: each model's latest version, one upsert per event.</summary>
    private sealed class LatestVersionProjection : IProjection
    {
        public const string CreateTable = "CREATE TABLE IF NOT EXISTS registry.bench_latest_versions (model text PRIMARY KEY, version int NOT NULL, artifact_uri text NOT NULL, position bigint NOT NULL)";

        public string Name => "bench-latest-versions";

        public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
        {
            var models = new string[events.Count];
            var versions = new int[events.Count];
            var uris = new string[events.Count];
            var positions = new long[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                models[i] = events[i].Data.GetProperty("model").GetString()!;
                versions[i] = events[i].Data.GetProperty("version").GetInt32();
                uris[i] = events[i].Data.GetProperty("artifact").GetProperty("uri").GetString()!;
                positions[i] = events[i].Position;
            }

            // Last event per model wins; DISTINCT ON keeps one row per key so the upsert touches each row once.
            await using var command = new NpgsqlCommand("""
                INSERT INTO registry.bench_latest_versions (model, version, artifact_uri, position)
                SELECT DISTINCT ON (m) m, v, u, p FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[]) AS x(m, v, u, p) ORDER BY m, p DESC
                ON CONFLICT (model) DO UPDATE SET version = excluded.version, artifact_uri = excluded.artifact_uri, position = excluded.position
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = models });
            command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = versions });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = uris });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = positions });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("TRUNCATE registry.bench_latest_versions", connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
