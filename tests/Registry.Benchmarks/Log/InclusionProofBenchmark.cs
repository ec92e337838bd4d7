// Inclusion proof latency at 1,000,000 events (issue 3: p99 < 5 ms), against the same run's round
// trip of a trivial query through the same data source.
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.EventStore;
using Registry.EventStore.Merkle;

namespace Registry.Benchmarks.Log;

public sealed class InclusionProofBenchmark : IBenchmark
{
    private const int Samples = 2000;

    public string Name => "inclusion-proof-1m";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(await MillionEventLog.GetAsync(context));
        await using var store = new Registry.EventStore.EventStore(dataSource, [], new EventStoreOptions(), TimeProvider.System);
        var root = await store.GetRootAsync(MillionEventLog.Events, cancellationToken);
        var random = new Random(42);
        var proofs = new LatencyRecorder();
        var trivial = new LatencyRecorder();
        for (var i = 0; i < Samples + 200; i++)
        {
            var position = random.NextInt64(1, MillionEventLog.Events + 1);
            var timed = i >= 200 ? proofs : new LatencyRecorder();
            var proof = await timed.TimeAsync(() => store.GetInclusionProofAsync(position, MillionEventLog.Events, cancellationToken));
            if (!MerkleMath.VerifyInclusion(proof.LeafIndex, proof.TreeSize, proof.LeafHash, proof.Path, root))
            {
                throw new InvalidOperationException($"the proof of position {position} does not verify");
            }

            var trivialTimed = i >= 200 ? trivial : new LatencyRecorder();
            await trivialTimed.TimeAsync(async () =>
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                return await command.ExecuteScalarAsync(cancellationToken);
            });
        }

        var p99 = proofs.Percentile(99);
        return new BenchmarkResult(
            Name,
            proofs.Summary("proof_"),
            trivial.Summary("select_1_"),
            [new BenchmarkTarget("inclusion proof at 1M events, p99 ms", p99, "<", 5)],
            $"inclusion proof at {MillionEventLog.Events:N0} events: p50 {proofs.Percentile(50):0.00} ms, p99 {p99:0.00} ms; SELECT 1: p50 {trivial.Percentile(50):0.00} ms, p99 {trivial.Percentile(99):0.00} ms");
    }
}
