// Issue 4's performance targets, on a generated registry (RegistryGenerator: 10,000 models, 100,000
// versions, 1,000,000 events; REGISTRY_BENCH_MODELS scales it down for a quick run):
//   p95 < 20 ms at 16 concurrent clients for GET model, GET version, diff, lineage, events?page=, models?q=
//   register-version throughput ≥ 500/s with 8 clients
// Requests go through the whole host in process (WebApplicationFactory), so "server-side" here
// includes routing, authentication, authorization and serialization; the floor is a trivial endpoint
// of the same host measured in the same run at the same concurrency.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.EventStore;
using Registry.EventStore.Projections;
using Registry.Testing;

namespace Registry.Benchmarks.Api;

public sealed class RegistryApiBenchmark : IBenchmark
{
    private const int ReadClients = 16;
    private const int WriteClients = 8;
    private static readonly TimeSpan ScenarioDuration = TimeSpan.FromSeconds(8);

    public string Name => "registry-api";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var models = int.TryParse(Environment.GetEnvironmentVariable("REGISTRY_BENCH_MODELS"), out var m) ? m : 10_000;
        var generator = new RegistryGenerator(models);
        await using var host = new BenchHost();
        await host.InitializeAsync();

        var started = Stopwatch.StartNew();
        await using (var dataSource = NpgsqlDataSource.Create(host.ConnectionString))
        {
            await using (var store = new EventStore.EventStore(dataSource, [new ModelProjection()], new EventStoreOptions { Origin = "registry.bench" }, TimeProvider.System))
            {
                context.Say($"generating {models:N0} models, {models * RegistryGenerator.VersionsPerModel:N0} versions, {models * RegistryGenerator.EventsPerModel:N0} events");
                await generator.WriteAsync(store, n => context.Say($"  {n:N0} models ({started.Elapsed.TotalSeconds:0} s)"), cancellationToken);
            }

            await using var analyze = dataSource.CreateCommand("VACUUM ANALYZE");
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        var generateSeconds = started.Elapsed.TotalSeconds;
        context.Say($"generated in {generateSeconds:0} s");

        using var admin = host.CreateAdminClient();
        var scientist = await host.UserClientAsync(admin, "bench-scientist", "data-scientist");
        var reader = await host.UserClientAsync(admin, "bench-auditor", "auditor");
        var anonymous = host.CreateClient();

        var figures = new Dictionary<string, double>
        {
            ["models"] = models,
            ["versions"] = models * RegistryGenerator.VersionsPerModel,
            ["events"] = models * RegistryGenerator.EventsPerModel,
            ["generate_seconds"] = generateSeconds,
        };
        var baseline = new Dictionary<string, double>();
        var targets = new List<BenchmarkTarget>();
        var random = new Random(7);
        string AnyModel() => RegistryGenerator.ModelName(random.Next(models));
        int AnyVersion() => 1 + random.Next(RegistryGenerator.VersionsPerModel);
        string[] words = ["churn", "fraud", "credit", "pricing", "segment 4", "team-1"];

        var scenarios = new (string Name, Func<string> Url, HttpClient Client)[]
        {
            ("trivial", () => "/health/live", anonymous),
            ("get_model", () => $"/api/v1/models/{AnyModel()}", reader),
            ("get_version", () => $"/api/v1/models/{AnyModel()}/versions/{AnyVersion()}", reader),
            ("diff", () => $"/api/v1/models/{AnyModel()}/diff?from={AnyVersion()}&to={AnyVersion()}", reader),
            ("lineage", () => $"/api/v1/models/{AnyModel()}/versions/{AnyVersion()}/lineage", reader),
            ("events_page", () => $"/api/v1/events?page={1 + random.Next(models * RegistryGenerator.EventsPerModel / 100)}&pageSize=100", reader),
            ("models_q", () => $"/api/v1/models?q={Uri.EscapeDataString(words[random.Next(words.Length)])}&pageSize=20", reader),
        };

        double trivialP95 = 0;
        foreach (var (name, url, client) in scenarios)
        {
            await RunAsync(client, url, ReadClients, TimeSpan.FromSeconds(2), cancellationToken); // warm-up
            var latency = await RunAsync(client, url, ReadClients, ScenarioDuration, cancellationToken);
            var summary = latency.Recorder.Summary(name + "_client_").Concat(latency.Server.Summary(name + "_server_")).ToDictionary();
            summary[name + "_per_second"] = latency.Recorder.Count / ScenarioDuration.TotalSeconds;
            context.Say($"{name}: server p50 {latency.Server.Percentile(50):0.0} / p95 {latency.Server.Percentile(95):0.0} / p99 {latency.Server.Percentile(99):0.0} ms; client p95 {latency.Recorder.Percentile(95):0.0} ms; {latency.Recorder.Count / ScenarioDuration.TotalSeconds:0}/s");
            if (name == "trivial")
            {
                trivialP95 = latency.Server.Percentile(95);
                foreach (var (k, v) in summary)
                {
                    baseline[k] = v;
                }
            }
            else
            {
                foreach (var (k, v) in summary)
                {
                    figures[k] = v;
                }

                targets.Add(new BenchmarkTarget($"{name} server p95 ms at {ReadClients} clients (trivial endpoint {trivialP95:0.0} ms)", latency.Server.Percentile(95), "<", 20));
            }
        }

        // Register-version throughput: 8 clients, each on its own models (no conflicts between clients), for the scenario duration.
        var registered = 0;
        var registerLatency = new LatencyRecorder();
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, WriteClients).Select(c => Task.Run(async () =>
        {
            var own = new Random(100 + c);
            while (clock.Elapsed < ScenarioDuration)
            {
                var model = RegistryGenerator.ModelName(c + WriteClients * own.Next(Math.Max(1, models / WriteClients / 25)));
                var body = RegistryGenerator.Version(own, 1, "bench-scientist");
                var response = await registerLatency.TimeAsync(() => scientist.PostAsJsonAsync($"/api/v1/models/{model}/versions", new
                {
                    body.Artifact, body.Datasets, body.Dependencies, body.Parameters, body.Metrics, body.Source, body.Notes,
                }, cancellationToken));
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref registered);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }

                response.Dispose();
            }
        }, cancellationToken)));
        var perSecond = registered / clock.Elapsed.TotalSeconds;
        var trivialThroughput = await RunAsync(anonymous, () => "/health/live", WriteClients, ScenarioDuration, cancellationToken);
        figures["register_per_second"] = perSecond;
        figures["register_failures"] = failures;
        foreach (var (k, v) in registerLatency.Summary("register_"))
        {
            figures[k] = v;
        }

        baseline["trivial_per_second_8_clients"] = trivialThroughput.Recorder.Count / ScenarioDuration.TotalSeconds;
        targets.Add(new BenchmarkTarget($"register-version per second at {WriteClients} clients", perSecond, ">=", 500));
        figures["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;

        return new BenchmarkResult(Name, figures, baseline, targets,
            $"{models:N0} models / {models * 100:N0} events; p95 ms: " +
            string.Join(", ", scenarios.Skip(1).Select(s => $"{s.Name} {figures[s.Name + "_server_p95_ms"]:0.0}")) +
            $" (trivial {trivialP95:0.0}); register {perSecond:0}/s at {WriteClients} clients ({failures} failed)");
    }

    /// <summary>Client-observed latency, and the server's own time from its Server-Timing header.</summary>
    private sealed record Run(LatencyRecorder Recorder, LatencyRecorder Server);

    private static async Task<Run> RunAsync(HttpClient client, Func<string> url, int clients, TimeSpan duration, CancellationToken cancellationToken)
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
                if (response.Headers.TryGetValues("Server-Timing", out var timing) && timing.First() is var value && value.StartsWith("app;dur=", StringComparison.Ordinal))
                {
                    server.Add(TimeSpan.FromMilliseconds(double.Parse(value["app;dur=".Length..], System.Globalization.CultureInfo.InvariantCulture)));
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET {next} answered {(int)response.StatusCode}");
                }
            }
        }, cancellationToken)));
        return new Run(recorder, server);
    }

    private sealed class BenchHost : RegistryApp
    {
        public BenchHost()
        {
            // Test projects get the web project's content root from Mvc.Testing's build targets; a benchmark says it here.
            var root = Path.Combine(Registry.Web.Hosting.RepositoryRoot.Find(), "src", "Registry.Web");
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_REGISTRY_WEB", root);
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_Registry_Web", root);
        }

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }

        public async Task<HttpClient> UserClientAsync(HttpClient admin, string username, string role)
        {
            (await admin.PostAsJsonAsync("/api/v1/users", new { username, displayName = username, roles = new[] { role } })).EnsureSuccessStatusCode();
            var token = await (await admin.PostAsJsonAsync($"/api/v1/users/{username}/tokens", new { name = "bench" })).Content.ReadFromJsonAsync<JsonElement>();
            return CreateTokenClient(token.GetProperty("token").GetString()!);
        }
    }
}
