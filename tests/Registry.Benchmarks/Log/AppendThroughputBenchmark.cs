// Append throughput (issue 3: ≥ 1.0× raw INSERT): 8 concurrent writers, one ~1 KB event per append,
// against the same run's baseline of 8 connections each committing single-row INSERTs of the same
// payload. Measured twice: on the run's throwaway cluster (fsync off, where PostgreSQL is CPU-bound)
// and on a durable cluster (fsync and synchronous_commit on, as in production, where every commit waits
// for the disk and group commit matters most).
using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.EventStore;
using Registry.EventStore.Hosting;
using Registry.EventStore.Migrations;

namespace Registry.Benchmarks.Log;

public sealed class AppendThroughputBenchmark : IBenchmark
{
    private const int Writers = 8;
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(6);

    public string Name => "append-throughput";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var figures = new Dictionary<string, double>();
        var baseline = new Dictionary<string, double>();
        var targets = new List<BenchmarkTarget>();
        var summary = new List<string>();

        var durableFolder = Path.Combine(Path.GetTempPath(), $"registry-bench-durable-{Guid.NewGuid():N}");
        await using (var durable = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = durableFolder, Database = "append_durable" }, cancellationToken))
        {
            await MeasureAsync("durable", durable.ConnectionString);
        }

        Directory.Delete(durableFolder, recursive: true);
        await MeasureAsync("nonsync", await context.CreateDatabaseAsync("append_bench"));

        return new BenchmarkResult(Name, figures, baseline, targets, string.Join("; ", summary));

        async Task MeasureAsync(string label, string connectionString)
        {
            // Tuned as the host tunes its own (automatic preparation), for the raw INSERTs as well.
            var builder = new NpgsqlDataSourceBuilder(connectionString + ";Maximum Pool Size=40");
            builder.ConnectionStringBuilder.UseAutomaticPreparation();
            await using var dataSource = builder.Build();
            await new Migrator(dataSource).MigrateAsync(cancellationToken);
            await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS registry.bench_raw_inserts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream text NOT NULL, payload jsonb NOT NULL)"))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var store = new Registry.EventStore.EventStore(dataSource, [], new EventStoreOptions { Origin = "registry.bench" }, TimeProvider.System);
            context.Say($"{label}: warming up");
            await RawInsertsAsync(dataSource, TimeSpan.FromSeconds(1), cancellationToken);
            await AppendsAsync(store, TimeSpan.FromSeconds(1), cancellationToken);

            // WAL bytes written per row or event: what a durable commit waits to flush.
            var raw = new List<double>();
            var appends = new List<double>();
            var rawWal = new List<double>();
            var appendWal = new List<double>();
            for (var i = 0; i < 2; i++)
            {
                var start = await WalPositionAsync(dataSource, cancellationToken);
                raw.Add(await RawInsertsAsync(dataSource, Round, cancellationToken));
                var between = await WalPositionAsync(dataSource, cancellationToken);
                appends.Add(await AppendsAsync(store, Round, cancellationToken));
                var end = await WalPositionAsync(dataSource, cancellationToken);
                rawWal.Add((between - start) / (raw[^1] * Round.TotalSeconds));
                appendWal.Add((end - between) / (appends[^1] * Round.TotalSeconds));
                context.Say($"{label}: raw INSERT {raw[^1]:N0}/s ({rawWal[^1]:N0} B of WAL each), append {appends[^1]:N0} events/s ({appendWal[^1]:N0} B each)");
            }

            await using (var batches = dataSource.CreateCommand("SELECT count(*)::float8 / count(DISTINCT recorded_at) FROM registry.events"))
            {
                figures[$"{label}_mean_events_per_commit"] = (double)(await batches.ExecuteScalarAsync(cancellationToken))!;
                context.Say($"{label}: {figures[$"{label}_mean_events_per_commit"]:0.0} events per commit");
            }

            var rate = appends.Average();
            var rawRate = raw.Average();
            figures[$"{label}_append_events_per_second"] = rate;
            figures[$"{label}_ratio_to_raw_insert"] = rate / rawRate;
            baseline[$"{label}_raw_insert_rows_per_second"] = rawRate;
            figures[$"{label}_wal_bytes_per_event"] = appendWal.Average();
            baseline[$"{label}_wal_bytes_per_raw_insert"] = rawWal.Average();
            targets.Add(new BenchmarkTarget($"append vs raw INSERT, 8 writers, {label} cluster (ratio)", rate / rawRate, ">=", 1.0));
            summary.Add($"{label}: {rate:N0} events/s vs raw INSERT {rawRate:N0} rows/s ({rate / rawRate:0.00}×)");
        }
    }

    private static JsonObject Payload(int writer, int i) => new()
    {
        ["model"] = $"bench-model-{writer}",
        ["version"] = i,
        ["artifact"] = new JsonObject { ["uri"] = $"s3://models/bench-{writer}/{i}/model.onnx", ["sha256"] = new string('a', 64), ["sizeBytes"] = 123_456_789 },
        ["notes"] = new string('n', 760),
    };

    private static async Task<double> AppendsAsync(Registry.EventStore.EventStore store, TimeSpan duration, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var n = 0;
            var metadata = new AppendMetadata("bench", $"writer-{w}");
            while (stopwatch.Elapsed < duration)
            {
                var result = await store.AppendAsync($"bench-{w}", ExpectedVersion.Any, [new NewEvent("VersionRegistered", Payload(w, n))], metadata, cancellationToken);
                if (result is not AppendResult.Appended)
                {
                    throw new InvalidOperationException($"append failed: {result}");
                }

                n++;
            }

            return n;
        }, cancellationToken)));
        return counts.Sum() / stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task<double> WalPositionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT (pg_current_wal_insert_lsn() - '0/0')::float8");
        return (double)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<double> RawInsertsAsync(NpgsqlDataSource dataSource, TimeSpan duration, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var n = 0;
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var insert = new NpgsqlCommand("INSERT INTO registry.bench_raw_inserts (stream, payload) VALUES ($1, $2::jsonb)", connection);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"bench-{w}" });
            insert.Parameters.Add(new NpgsqlParameter<string>());
            while (stopwatch.Elapsed < duration)
            {
                insert.Parameters[1].Value = Payload(w, n).ToJsonString();
                await insert.ExecuteNonQueryAsync(cancellationToken);
                n++;
            }

            return n;
        }, cancellationToken)));
        return counts.Sum() / stopwatch.Elapsed.TotalSeconds;
    }
}
