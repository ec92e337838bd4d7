// GET load on an in-process host: N clients loop over URLs for a duration, recording both the time
// the client waited and the time the server says it spent (`Server-Timing: app;dur=<ms>`, see
// src/Registry.Web/Features/Shared/ServerTiming.cs). Targets are on the server's time, which is what
// the issues ask for; the client's time is kept beside it.
using System.Diagnostics;
using System.Globalization;

namespace Registry.Benchmarks.Harness;

/// <summary>Client-observed latency, and the server's own time from its Server-Timing header.</summary>
public sealed record LoadRun(LatencyRecorder Client, LatencyRecorder Server, TimeSpan Duration)
{
    public double PerSecond => Client.Count / Duration.TotalSeconds;
}

public static class HttpLoad
{
    private const string Prefix = "app;dur=";

    public static async Task<LoadRun> RunAsync(HttpClient client, Func<string> url, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var server = new LatencyRecorder();
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
        return new LoadRun(recorder, server, clock.Elapsed);
    }

    /// <summary>A response without the header would silently leave the server's figures empty, so it is an error.</summary>
    private static double ServerMilliseconds(HttpResponseMessage response, string url) =>
        response.Headers.TryGetValues("Server-Timing", out var values)
        && values.FirstOrDefault(v => v.StartsWith(Prefix, StringComparison.Ordinal)) is { } value
        && double.TryParse(value.AsSpan(Prefix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : throw new InvalidOperationException($"GET {url} answered without a 'Server-Timing: {Prefix}…' header");
}
