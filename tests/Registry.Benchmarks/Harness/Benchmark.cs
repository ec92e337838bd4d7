// The benchmark harness. Each benchmark measures its subject AND a baseline in the same run, so
// the ratio holds on a noisy 2-core machine; results go to bench-results/<name>.json.
// Add a benchmark: a class implementing IBenchmark with a public parameterless constructor.
using System.Diagnostics;

namespace Registry.Benchmarks.Harness;

public interface IBenchmark
{
    /// <summary>File name and `--only` key, e.g. "append-throughput".</summary>
    string Name { get; }

    Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken);
}

/// <summary>A target of an issue, e.g. "append ≥ 1.0× raw INSERT": measured against a threshold.</summary>
public sealed record BenchmarkTarget(string Description, double Measured, string Comparison, double Threshold)
{
    public bool Met => Comparison switch
    {
        ">=" => Measured >= Threshold,
        ">" => Measured > Threshold,
        "<=" => Measured <= Threshold,
        "<" => Measured < Threshold,
        _ => throw new InvalidOperationException($"unknown comparison {Comparison}"),
    };
}

public sealed record BenchmarkResult(
    string Name,
    IReadOnlyDictionary<string, double> Figures,
    IReadOnlyDictionary<string, double> Baseline,
    IReadOnlyList<BenchmarkTarget> Targets,
    string Summary);

public sealed class BenchmarkContext(string outputDirectory, TextWriter log)
{
    public string OutputDirectory { get; } = outputDirectory;

    public TextWriter Log { get; } = log;

    /// <summary>A fresh migrated database in the run's throwaway cluster.</summary>
    public Task<string> CreateDatabaseAsync(string purpose) => Registry.Testing.TestCluster.CreateDatabaseAsync(purpose);

    public void Say(string line) => Log.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}

/// <summary>Latency samples in milliseconds → p50/p95/p99.</summary>
public sealed class LatencyRecorder
{
    private readonly List<double> _samples = [];
    private readonly Lock _lock = new();

    public int Count { get { lock (_lock) { return _samples.Count; } } }

    public void Add(TimeSpan elapsed)
    {
        lock (_lock) { _samples.Add(elapsed.TotalMilliseconds); }
    }

    public async Task<T> TimeAsync<T>(Func<Task<T>> action)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await action();
        Add(Stopwatch.GetElapsedTime(start));
        return result;
    }

    public double Percentile(double p)
    {
        lock (_lock)
        {
            if (_samples.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _samples.Order().ToArray();
            var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
            return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
        }
    }

    public IReadOnlyDictionary<string, double> Summary(string prefix) => new Dictionary<string, double>
    {
        [$"{prefix}p50_ms"] = Percentile(50),
        [$"{prefix}p95_ms"] = Percentile(95),
        [$"{prefix}p99_ms"] = Percentile(99),
        [$"{prefix}samples"] = Count,
    };
}
