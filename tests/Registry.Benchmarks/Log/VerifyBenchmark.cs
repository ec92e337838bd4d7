// Verify 1,000,000 events (issue 3: ≥ 200,000 events/s), with the ratio to the same run's raw
// SHA-256 over the same envelope bytes held in memory: the floor no verifier can go under.
using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.EventStore;

namespace Registry.Benchmarks.Log;

public sealed class VerifyBenchmark : IBenchmark
{
    public string Name => "verify-1m";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(await MillionEventLog.GetAsync(context));
        var verifier = new LogVerifier(dataSource);

        var runs = new List<double>();
        VerificationResult? result = null;
        for (var i = 0; i < 2; i++)
        {
            var started = Stopwatch.GetTimestamp();
            result = await verifier.VerifyAsync(cancellationToken);
            runs.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            context.Say($"verify: {result.TreeSize:N0} events in {runs[^1]:0.00} s (ok: {result.Ok})");
        }

        if (result is not { Ok: true, TreeSize: MillionEventLog.Events })
        {
            throw new InvalidOperationException($"verify failed on the generated log: {result?.Problem}");
        }

        var envelopes = new List<byte[]>(MillionEventLog.Events);
        long bytes = 0;
        await using (var command = dataSource.CreateCommand("SELECT envelope FROM registry.events ORDER BY position"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var envelope = reader.GetFieldValue<byte[]>(0);
                envelopes.Add(envelope);
                bytes += envelope.Length;
            }
        }

        var shaRuns = new List<double>();
        Span<byte> digest = stackalloc byte[32];
        for (var i = 0; i < 3; i++)
        {
            var started = Stopwatch.GetTimestamp();
            foreach (var envelope in envelopes)
            {
                SHA256.HashData(envelope, digest);
            }

            shaRuns.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var rate = MillionEventLog.Events / runs.Min();
        var shaRate = MillionEventLog.Events / shaRuns.Min();
        return new BenchmarkResult(
            Name,
            new Dictionary<string, double>
            {
                ["events"] = MillionEventLog.Events,
                ["verify_seconds_best"] = runs.Min(),
                ["verify_seconds_first"] = runs[0],
                ["verify_events_per_second"] = rate,
                ["ratio_to_raw_sha256"] = rate / shaRate,
                ["mean_envelope_bytes"] = bytes / (double)envelopes.Count,
            },
            new Dictionary<string, double> { ["raw_sha256_events_per_second"] = shaRate, ["raw_sha256_megabytes_per_second"] = bytes / shaRuns.Min() / 1e6 },
            [new BenchmarkTarget("verify 1M events, events/s", rate, ">=", 200_000)],
            $"verify {MillionEventLog.Events:N0} events: {rate:N0} events/s ({runs.Min():0.00} s); raw SHA-256 of the same bytes in memory: {shaRate:N0} events/s ({rate / shaRate:0.00}×)");
    }
}
