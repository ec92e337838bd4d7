// Progress while hashing: one Spectre.Console bar per input with bytes/s when the error stream is a
// terminal, plain lines otherwise (CI logs). Always on stderr, so stdout stays clean for --json.
// Inputs are hashed at the same time: an artifact, three datasets and a download need not queue.
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Registry.Cli.Hashing;

/// <summary>Told about every chunk hashed; called from several threads at once.</summary>
public interface IHashProgress
{
    void Advance(long bytes);

    /// <summary>Told the total once it is known, when it was not before hashing started (a download's length).</summary>
    void Sized(long totalBytes)
    {
    }
}

/// <summary>Counts bytes; the base of both displays.</summary>
public class ByteCounter : IHashProgress
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public virtual void Advance(long bytes) => Interlocked.Add(ref _bytes, bytes);

    public virtual void Sized(long totalBytes)
    {
    }
}

/// <summary>
/// Hashes named inputs all at once (at most <c>maxParallel</c> at a time), showing one bar per input on
/// a terminal and plain lines otherwise; the hashes come back in the order the inputs were given.
/// </summary>
public sealed class HashingDisplay(IAnsiConsole? terminal, TextWriter log, long largeInputBytes = HashingDisplay.LargeInputBytes, int? maxParallel = null)
{
    /// <summary>Below this, hashing takes well under a second and a bar would only flicker.</summary>
    public const long LargeInputBytes = 64L << 20;

    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    // Hashing is CPU- and disk-bound: more inputs at once than cores only adds contention.
    private readonly int _maxParallel = Math.Max(1, maxParallel ?? Environment.ProcessorCount);

    private readonly Lock _logLock = new();

    public Task<IReadOnlyList<ContentHash>> HashAllAsync(IReadOnlyList<(string Label, HashPlan Plan)> inputs, CancellationToken cancellationToken) =>
        HashAllAsync([.. inputs.Select(i => HashInput.Local(i.Label, i.Plan))], cancellationToken);

    public async Task<IReadOnlyList<ContentHash>> HashAllAsync(IReadOnlyList<HashInput> inputs, CancellationToken cancellationToken)
    {
        // A stream of unknown size (a download) is worth a bar: it is slow however small it turns out.
        var worthABar = inputs.Any(i => i.KnownBytes is null) || inputs.Sum(i => i.KnownBytes ?? 0) >= largeInputBytes;
        if (terminal is not null && worthABar)
        {
            return await WithBarsAsync(terminal, inputs, cancellationToken);
        }

        return await AllAtOnceAsync(inputs, (input, _, token) => WithLinesAsync(input, token), cancellationToken);
    }

    private async Task<IReadOnlyList<ContentHash>> WithBarsAsync(IAnsiConsole terminal, IReadOnlyList<HashInput> inputs, CancellationToken cancellationToken)
    {
        IReadOnlyList<ContentHash> results = [];
        await terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bars = inputs.Select(i =>
                {
                    var bar = context.AddTask(Markup.Escape(i.Label), maxValue: Math.Max(1, i.KnownBytes ?? 1));
                    bar.IsIndeterminate = i.KnownBytes is null;
                    return bar;
                }).ToList();
                results = await AllAtOnceAsync(
                    inputs,
                    async (input, index, token) =>
                    {
                        var hash = await input.HashAsync(new BarProgress(bars[index]), token);
                        bars[index].IsIndeterminate = false;
                        bars[index].MaxValue = Math.Max(1, hash.SizeBytes);
                        bars[index].Value = bars[index].MaxValue;
                        return hash;
                    },
                    cancellationToken);
            });
        return results;
    }

    private async Task<IReadOnlyList<ContentHash>> AllAtOnceAsync(IReadOnlyList<HashInput> inputs, Func<HashInput, int, CancellationToken, Task<ContentHash>> hash, CancellationToken cancellationToken)
    {
        var results = new ContentHash[inputs.Count];
        // The first input that fails stops the others: its error is the one worth reading.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(_maxParallel);
        var work = inputs.Select(async (input, index) =>
        {
            await slots.WaitAsync(stop.Token);
            try
            {
                results[index] = await hash(input, index, stop.Token);
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(work);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var cause = work.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }

        return results;
    }

    private async Task<ContentHash> WithLinesAsync(HashInput input, CancellationToken cancellationToken)
    {
        var counter = new SizedCounter();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporter = (input.KnownBytes ?? long.MaxValue) >= largeInputBytes ? ReportEveryAsync(input.Label, counter, clock, stop.Token) : Task.CompletedTask;
        ContentHash hash;
        try
        {
            hash = await input.HashAsync(counter, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await reporter;
        }

        Line(string.Create(CultureInfo.InvariantCulture,
            $"hashed {input.Label}: {(hash.IsFolder ? $"{hash.FileCount} files, " : "")}{Bytes(hash.SizeBytes)} in {clock.Elapsed.TotalSeconds:0.0} s ({Bytes(Rate(hash.SizeBytes, clock.Elapsed))}/s) sha256 {hash.Sha256}"));
        return hash;
    }

    // Several inputs report at once; a line is written whole or not at all.
    private void Line(string text)
    {
        lock (_logLock)
        {
            log.WriteLine(text);
        }
    }

    private async Task ReportEveryAsync(string label, SizedCounter counter, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(PlainInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var done = counter.Bytes;
                Line(counter.Total is { } total and > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"hashing {label}: {Bytes(done)} of {Bytes(total)} ({100.0 * done / total:0}%, {Bytes(Rate(done, clock.Elapsed))}/s)")
                    : string.Create(CultureInfo.InvariantCulture, $"hashing {label}: {Bytes(done)} so far ({Bytes(Rate(done, clock.Elapsed))}/s)"));
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

        public void Sized(long totalBytes)
        {
            task.MaxValue = Math.Max(1, totalBytes);
            task.IsIndeterminate = false;
        }
    }

    private sealed class SizedCounter : ByteCounter
    {
        private long _total = -1;

        public long? Total => Interlocked.Read(ref _total) is var t and >= 0 ? t : null;

        public override void Sized(long totalBytes) => Interlocked.Exchange(ref _total, totalBytes);
    }
}
