// Progress while hashing: a Spectre.Console bar with bytes/s when the error stream is a terminal,
// plain timestamped lines otherwise (CI logs). Always on stderr, so stdout stays clean for --json.
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Registry.Cli.Hashing;

/// <summary>Told about every chunk hashed; called from several threads at once.</summary>
public interface IHashProgress
{
    void Advance(long bytes);
}

/// <summary>Counts bytes; the base of both displays.</summary>
public class ByteCounter : IHashProgress
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public virtual void Advance(long bytes) => Interlocked.Add(ref _bytes, bytes);
}

/// <summary>Hashes a list of named inputs, showing progress the way the output allows.</summary>
public sealed class HashingDisplay(IAnsiConsole? terminal, TextWriter log, long largeInputBytes = HashingDisplay.LargeInputBytes)
{
    /// <summary>Below this, hashing takes well under a second and a bar would only flicker.</summary>
    public const long LargeInputBytes = 64L << 20;

    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<ContentHash>> HashAllAsync(IReadOnlyList<(string Label, HashPlan Plan)> inputs, CancellationToken cancellationToken)
    {
        var total = inputs.Sum(i => i.Plan.TotalBytes);
        if (terminal is not null && total >= largeInputBytes)
        {
            return await WithBarAsync(terminal, inputs, cancellationToken);
        }

        var results = new List<ContentHash>();
        foreach (var (label, plan) in inputs)
        {
            results.Add(await WithLinesAsync(label, plan, cancellationToken));
        }

        return results;
    }

    private static async Task<IReadOnlyList<ContentHash>> WithBarAsync(IAnsiConsole terminal, IReadOnlyList<(string Label, HashPlan Plan)> inputs, CancellationToken cancellationToken)
    {
        var results = new ContentHash[inputs.Count];
        await terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = inputs.Select(i => context.AddTask(Markup.Escape(i.Label), maxValue: Math.Max(1, i.Plan.TotalBytes))).ToList();
                for (var i = 0; i < inputs.Count; i++)
                {
                    results[i] = await ContentHasher.HashAsync(inputs[i].Plan, new BarProgress(tasks[i]), cancellationToken);
                    tasks[i].Value = tasks[i].MaxValue;
                }
            });
        return results;
    }

    private async Task<ContentHash> WithLinesAsync(string label, HashPlan plan, CancellationToken cancellationToken)
    {
        var counter = new ByteCounter();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporter = plan.TotalBytes >= largeInputBytes ? ReportEveryAsync(label, plan.TotalBytes, counter, clock, stop.Token) : Task.CompletedTask;
        ContentHash hash;
        try
        {
            hash = await ContentHasher.HashAsync(plan, counter, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await reporter;
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hashed {label}: {(hash.IsFolder ? $"{hash.FileCount} files, " : "")}{Bytes(hash.SizeBytes)} in {clock.Elapsed.TotalSeconds:0.0} s ({Bytes(Rate(hash.SizeBytes, clock.Elapsed))}/s) sha256 {hash.Sha256}"));
        return hash;
    }

    private async Task ReportEveryAsync(string label, long total, ByteCounter counter, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PlainInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var done = counter.Bytes;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"hashing {label}: {Bytes(done)} of {Bytes(total)} ({100.0 * done / total:0}%, {Bytes(Rate(done, clock.Elapsed))}/s)"));
            }
        }
        catch (OperationCanceledException)
        {
            // hashing finished (or was cancelled): nothing more to report
        }
    }

    private static long Rate(long bytes, TimeSpan elapsed) => elapsed.TotalSeconds <= 0 ? 0 : (long)(bytes / elapsed.TotalSeconds);

    /// <summary>Bytes in binary units, e.g. "1.5 GiB".</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    private sealed class BarProgress(ProgressTask task) : IHashProgress
    {
        public void Advance(long bytes) => task.Increment(bytes);
    }
}
