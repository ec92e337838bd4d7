// Rebuilding projections from 1,000,000 events (issue 3: report events/s), with a read table that
// upserts one row per event, against the same run's baseline: reading and parsing the same events
// without applying them.
using System.Diagnostics;
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.EventStore;

namespace Registry.Benchmarks.Log;

public sealed class ProjectionRebuildBenchmark : IBenchmark
{
    public string Name => "projection-rebuild-1m";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(await MillionEventLog.GetAsync(context) + ";Command Timeout=0");
        await using (var create = dataSource.CreateCommand(LatestVersionProjection.CreateTable))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var store = new Registry.EventStore.EventStore(dataSource, [new LatestVersionProjection()], new EventStoreOptions(), TimeProvider.System);

        var read = Stopwatch.StartNew();
        long count = 0;
        for (var after = 0L; ;)
        {
            var page = await store.ReadAllAsync(after, 5000, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            count += page.Count;
            after = page[^1].Position;
        }

        var readSeconds = read.Elapsed.TotalSeconds;
        context.Say($"read {count:N0} events in {readSeconds:0.0} s");

        var rebuild = Stopwatch.StartNew();
        var replayed = await store.RebuildProjectionsAsync(cancellationToken: cancellationToken);
        var seconds = rebuild.Elapsed.TotalSeconds;
        await using var rows = dataSource.CreateCommand("SELECT count(*) FROM registry.bench_latest_versions");
        var models = (long)(await rows.ExecuteScalarAsync(cancellationToken))!;
        if (replayed != MillionEventLog.Events || models != MillionEventLog.Streams)
        {
            throw new InvalidOperationException($"rebuild replayed {replayed} events into {models} rows");
        }

        return new BenchmarkResult(
            Name,
            new Dictionary<string, double> { ["events"] = replayed, ["rebuild_seconds"] = seconds, ["rebuild_events_per_second"] = replayed / seconds },
            new Dictionary<string, double> { ["read_events_per_second"] = count / readSeconds },
            [],
            $"rebuild from {replayed:N0} events: {replayed / seconds:N0} events/s ({seconds:0.0} s); reading them alone: {count / readSeconds:N0} events/s");
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
