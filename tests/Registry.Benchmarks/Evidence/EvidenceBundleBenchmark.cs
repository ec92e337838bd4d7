// Evidence bundle of 100,000 events (issue 7: < 10 s), against the same run's baseline: reading the
// same envelopes from the table, which is the least any bundle must do.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.EventStore;
using Registry.Web.Features.Evidence;

namespace Registry.Benchmarks.Evidence;

public sealed class EvidenceBundleBenchmark : IBenchmark
{
    private const int Events = 100_000;
    private const int EventsPerAppend = 500;

    public string Name => "evidence-bundle";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(await context.CreateDatabaseAsync("evidence_bench"));
        await using (var store = new EventStore.EventStore(dataSource, [], new EventStoreOptions { Origin = "registry.bench" }, TimeProvider.System))
        {
            context.Say($"appending {Events:N0} events");
            for (var done = 0; done < Events; done += EventsPerAppend)
            {
                var batch = Enumerable.Range(done, EventsPerAppend).Select(Event).ToList();
                var result = await store.AppendAsync("model-bench", done == 0 ? ExpectedVersion.NoStream : done, batch, new AppendMetadata("bench", $"corr-{done}"), cancellationToken);
                if (result is not AppendResult.Appended)
                {
                    throw new InvalidOperationException($"append failed: {result}");
                }
            }

            await SignCheckpointAsync(store, dataSource, cancellationToken);
        }

        var bundle = new EvidenceBundle(dataSource, TimeProvider.System);
        var scope = new EvidenceScope.Model("bench");

        // Warm both paths once (JIT, plan cache, table in shared buffers), then time each three times.
        await BaselineAsync(dataSource, cancellationToken);
        await ExportAsync(bundle, scope, dataSource, cancellationToken);
        var baseline = new List<double>();
        var export = new List<double>();
        long bytes = 0;
        for (var i = 0; i < 3; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await BaselineAsync(dataSource, cancellationToken);
            baseline.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);

            started = Stopwatch.GetTimestamp();
            bytes = await ExportAsync(bundle, scope, dataSource, cancellationToken);
            export.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var median = export.Order().ElementAt(1);
        var baselineMedian = baseline.Order().ElementAt(1);
        return new BenchmarkResult(
            Name,
            new Dictionary<string, double>
            {
                ["events"] = Events,
                ["bundle_seconds_median"] = median,
                ["bundle_seconds_max"] = export.Max(),
                ["bundle_megabytes"] = bytes / 1024.0 / 1024.0,
                ["ratio_to_baseline"] = median / baselineMedian,
            },
            new Dictionary<string, double> { ["read_envelopes_seconds_median"] = baselineMedian },
            [new BenchmarkTarget($"evidence bundle of {Events:N0} events, seconds", median, "<", 10)],
            $"bundle of {Events:N0} events: {median:0.00} s ({bytes / 1024.0 / 1024.0:0.0} MiB zip); reading the envelopes alone: {baselineMedian:0.00} s");
    }

    private static NewEvent Event(int i) => new("VersionRegistered", new JsonObject
    {
        ["version"] = i + 1,
        ["artifact"] = new JsonObject { ["uri"] = $"s3://models/bench/{i + 1}/model.onnx", ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))), ["sizeBytes"] = 123_456_789 },
        ["datasets"] = new JsonArray(new JsonObject { ["name"] = "customers", ["role"] = "training", ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(-i))), ["rows"] = 1_000_000 }),
        ["metrics"] = new JsonObject { ["auc"] = 0.91, ["f1"] = 0.83 },
        ["registeredBy"] = "bench",
    });

    private static async Task<long> ExportAsync(EvidenceBundle bundle, EvidenceScope scope, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var checkpoint = await SignedCheckpoint.LatestAsync(dataSource, cancellationToken);
        var (plan, refusal) = await bundle.PrepareAsync(scope, checkpoint, cancellationToken);
        if (plan is null)
        {
            throw new InvalidOperationException(refusal!.Detail);
        }

        await using var output = new CountingStream();
        await bundle.WriteAsync(plan, output, cancellationToken);
        return plan.Positions.Length == Events ? output.Length : throw new InvalidOperationException($"the bundle held {plan.Positions.Length} events");
    }

    private static async Task BaselineAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var output = new CountingStream();
        await using var command = dataSource.CreateCommand("SELECT envelope FROM registry.events WHERE stream = 'model-bench' ORDER BY position");
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            await output.WriteAsync(await reader.GetFieldValueAsync<byte[]>(0, cancellationToken), cancellationToken);
        }
    }

    /// <summary>Signs the log as the checkpoint signer does (ECDSA P-256, DER), into registry.checkpoints.</summary>
    private static async Task SignCheckpointAsync(EventStore.EventStore store, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var head = await store.GetHeadAsync(cancellationToken);
        var body = $"registry.bench\n{head.TreeSize}\n{Convert.ToBase64String(head.RootHash)}\n";
        await using var command = dataSource.CreateCommand(
            "INSERT INTO registry.checkpoints (origin, tree_size, root_hash, body, signature, public_key, signed_at) VALUES ('registry.bench', @s, @r, @b, @sig, @k, now())");
        command.Parameters.AddWithValue("s", head.TreeSize);
        command.Parameters.AddWithValue("r", head.RootHash);
        command.Parameters.AddWithValue("b", body);
        command.Parameters.AddWithValue("sig", key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        command.Parameters.AddWithValue("k", key.ExportSubjectPublicKeyInfoPem());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A write-only sink that counts bytes, standing in for the HTTP response.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
