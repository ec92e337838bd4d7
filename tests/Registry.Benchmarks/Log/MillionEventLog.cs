// One log of 1,000,000 events shared by the verify, proof and rebuild benchmarks of a run. Appending a
// million events one by one would take the whole budget, so the rows are computed here exactly as
// an append computes them (canonical envelope, leaf, chain, subtree hashes, head frontier) and
// loaded with binary COPY; verify then proves they are what an append would have written.
using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Registry.Benchmarks.Harness;
using Registry.EventStore;
using Registry.EventStore.Hashing;
using Registry.EventStore.Merkle;

namespace Registry.Benchmarks.Log;

internal static class MillionEventLog
{
    public const int Events = 1_000_000;
    public const int Streams = 10_000;

    private static Task<string>? _created;
    private static readonly Lock Gate = new();

    /// <summary>The connection string of the run's million-event database, created on first use.</summary>
    public static Task<string> GetAsync(BenchmarkContext context)
    {
        lock (Gate)
        {
            return _created ??= CreateAsync(context);
        }
    }

    public static string StreamOf(long position) => $"model-{position % Streams}";

    private static async Task<string> CreateAsync(BenchmarkContext context)
    {
        var connectionString = await context.CreateDatabaseAsync("million_events");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        context.Say($"generating {Events:N0} events");
        var started = Stopwatch.StartNew();
        var metadata = CanonicalJson.Serialize(new JsonObject { ["correlationId"] = "bench" });
        var range = CompactRange.Empty();
        var chain = LogHash.GenesisChain;
        var time = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY registry.events (position, stream, version, type, actor, recorded_at, envelope, data, metadata, leaf_hash, chain_hash, subtree_hashes) FROM STDIN (FORMAT BINARY)");
            for (long position = 1; position <= Events; position++)
            {
                var stream = StreamOf(position);
                var version = (int)((position - 1) / Streams) + 1;
                var recordedAt = time.AddMilliseconds(position);
                var data = CanonicalJson.Serialize(new JsonObject
                {
                    ["model"] = stream,
                    ["version"] = version,
                    ["artifact"] = new JsonObject { ["uri"] = $"s3://models/{stream}/{version}/model.onnx", ["sha256"] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
                    ["metrics"] = new JsonObject { ["auc"] = 0.91, ["f1"] = 0.87 },
                });
                var envelope = Envelope.Build(position, stream, version, "VersionRegistered", "bench", recordedAt, data, metadata);
                var leaf = LogHash.Leaf(envelope);
                chain = LogHash.Chain(chain, leaf);
                var subtrees = range.Append(leaf);

                await copy.StartRowAsync();
                await copy.WriteAsync(position, NpgsqlDbType.Bigint);
                await copy.WriteAsync(stream, NpgsqlDbType.Text);
                await copy.WriteAsync(version, NpgsqlDbType.Integer);
                await copy.WriteAsync("VersionRegistered", NpgsqlDbType.Text);
                await copy.WriteAsync("bench", NpgsqlDbType.Text);
                await copy.WriteAsync(recordedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(envelope, NpgsqlDbType.Bytea);
                await copy.WriteAsync(System.Text.Encoding.UTF8.GetString(data), NpgsqlDbType.Jsonb);
                await copy.WriteAsync(System.Text.Encoding.UTF8.GetString(metadata), NpgsqlDbType.Jsonb);
                await copy.WriteAsync(leaf, NpgsqlDbType.Bytea);
                await copy.WriteAsync(chain, NpgsqlDbType.Bytea);
                await copy.WriteAsync(subtrees, NpgsqlDbType.Bytea);
            }

            await copy.CompleteAsync();
        }

        await using (var head = dataSource.CreateCommand("UPDATE registry.log_head SET position = $1, chain_hash = $2, frontier = $3, recorded_at = $4"))
        {
            head.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Events });
            head.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = chain });
            head.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = range.ToBytes() });
            head.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time.AddMilliseconds(Events).UtcDateTime });
            await head.ExecuteNonQueryAsync();
        }

        await using (var vacuum = dataSource.CreateCommand("VACUUM (ANALYZE) registry.events"))
        {
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync();
        }

        context.Say($"generated {Events:N0} events in {started.Elapsed.TotalSeconds:0.0} s");
        return connectionString;
    }
}
