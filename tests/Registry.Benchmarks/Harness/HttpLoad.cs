// GET load on an in-process host: N clients loop over URLs for a duration, recording both the time
// the client waited and the time the server says it spent (`Server-Timing: app;dur=<ms>`, see
// src/Registry.Web/Features/Shared/ServerTiming.cs). Targets are on the server's time, which is what
// the issues ask for; the client's time is kept beside it.
using System.Diagnostics;
using System.Globalization;

namespace Registry.Benchmarks.Harness;

/// <summary>Client-observed latency, the server's own time from its Server-Timing header, and the CPU the run cost.</summary>
public sealed record LoadRun(LatencyRecorder Client, LatencyRecorder Server, TimeSpan Duration, CpuSample Cpu)
{
    public double PerSecond => Client.Count / Duration.TotalSeconds;

    /// <summary>CPU milliseconds per request, this process (client + host) and the database together.</summary>
    public double CpuMillisecondsPerRequest => Client.Count == 0 ? 0 : Cpu.Total.TotalMilliseconds / Client.Count;

    /// <summary>The database's share of <see cref="CpuMillisecondsPerRequest"/>.</summary>
    public double DatabaseCpuMillisecondsPerRequest => Client.Count == 0 ? 0 : Cpu.Database.TotalMilliseconds / Client.Count;
}

public static class HttpLoad
{
    private const string Prefix = "app;dur=";

    public static async Task<LoadRun> RunAsync(HttpClient client, Func<string> url, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var server = new LatencyRecorder();
        var cpu = await CpuMeter.SampleAsync();
        var clock = Stopwatch.StartNew();
        var urls = new Lock();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                string next;
                lock (urls)
                {
                    next = url();
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(new Uri(next, UriKind.Relative), cancellationToken);
                await response.Content.CopyToAsync(Stream.Null, cancellationToken);
                recorder.Add(Stopwatch.GetElapsedTime(started));
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET {next} answered {(int)response.StatusCode}");
                }

                server.Add(TimeSpan.FromMilliseconds(ServerMilliseconds(response, next)));
            }
        }, cancellationToken)));
        var elapsed = clock.Elapsed;
        return new LoadRun(recorder, server, elapsed, await CpuMeter.SampleAsync() - cpu);
    }

    /// <summary>A response without the header would silently leave the server's figures empty, so it is an error.</summary>
    private static double ServerMilliseconds(HttpResponseMessage response, string url) =>
        response.Headers.TryGetValues("Server-Timing", out var values)
        && values.FirstOrDefault(v => v.StartsWith(Prefix, StringComparison.Ordinal)) is { } value
        && double.TryParse(value.AsSpan(Prefix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : throw new InvalidOperationException($"GET {url} answered without a 'Server-Timing: {Prefix}…' header");
}
