// Issue 4's performance targets, on the run's shared scale registry (ScaleRegistry over RegistryGenerator:
// 10,000 models, 100,000 versions, exactly 1,000,000 events; REGISTRY_BENCH_MODELS scales it down):
//   p95 < 20 ms at 16 concurrent clients for GET model, GET version, diff, lineage, events?page=, models?q=
//   register-version throughput ≥ 500/s with 8 clients
// REGISTRY_BENCH_API=write runs only the register-version part (and its trivial baseline), =read only the GETs.
// Requests go through the whole host in process (WebApplicationFactory), so "server-side" here
// includes routing, authentication, authorization and serialization; the floor is a trivial endpoint
// of the same host measured in the same run at the same concurrency.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Registry.Benchmarks.Harness;
using Registry.Testing;

namespace Registry.Benchmarks.Api;

public sealed class RegistryApiBenchmark : IBenchmark
{
    private const int ReadClients = 16;
    private const int WriteClients = 8;
    private static readonly TimeSpan ScenarioDuration = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RegisterWarmUp = TimeSpan.FromSeconds(3);

    public string Name => "registry-api";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var scale = await ScaleRegistry.GetAsync(context, cancellationToken);
        var models = scale.Models;
        await using var host = new BenchHost(scale.ConnectionString);
        await host.InitializeAsync();
        var logSize = await host.EventCountAsync();

        using var admin = host.CreateAdminClient();
        var scientist = await host.UserClientAsync(admin, "bench-scientist", "data-scientist");
        var reader = await host.UserClientAsync(admin, "bench-auditor", "auditor");
        var anonymous = host.CreateClient();

        var figures = new Dictionary<string, double>
        {
            ["models"] = models,
            ["versions"] = scale.Versions,
            ["events"] = scale.Events,
            ["generate_seconds"] = scale.GenerateSeconds,
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
            ("events_page", () => $"/api/v1/events?page={1 + random.NextInt64(logSize / 100)}&pageSize=100", reader),
            ("models_q", () => $"/api/v1/models?q={Uri.EscapeDataString(words[random.Next(words.Length)])}&pageSize=20", reader),
        };

        var part = Environment.GetEnvironmentVariable("REGISTRY_BENCH_API");
        var runReads = part is null or "" or "read";
        var runWrites = part is null or "" or "write";
        figures["part_read"] = runReads ? 1 : 0;
        figures["part_write"] = runWrites ? 1 : 0;
        double trivialP95 = 0;
        foreach (var (name, url, client) in runReads ? scenarios : scenarios[..1])
        {
            await HttpLoad.RunAsync(client, url, ReadClients, TimeSpan.FromSeconds(2), cancellationToken); // warm-up
            var latency = await HttpLoad.RunAsync(client, url, ReadClients, ScenarioDuration, cancellationToken);
            var summary = latency.Client.Summary(name + "_client_").Concat(latency.Server.Summary(name + "_server_")).ToDictionary();
            summary[name + "_per_second"] = latency.PerSecond;
            summary[name + "_cpu_ms_per_request"] = latency.CpuMillisecondsPerRequest;
            summary[name + "_database_cpu_ms_per_request"] = latency.DatabaseCpuMillisecondsPerRequest;
            context.Say($"{name}: server p50 {latency.Server.Percentile(50):0.0} / p95 {latency.Server.Percentile(95):0.0} / p99 {latency.Server.Percentile(99):0.0} ms; client p95 {latency.Client.Percentile(95):0.0} ms; {latency.PerSecond:0}/s; CPU {latency.CpuMillisecondsPerRequest:0.00} ms per request ({latency.DatabaseCpuMillisecondsPerRequest:0.00} in the database)");
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

        if (!runWrites)
        {
            return new BenchmarkResult(Name, figures, baseline, targets, $"{models:N0} models / {scale.Events:N0} events; reads only; server p95 ms: " +
                string.Join(", ", scenarios.Skip(1).Select(s => $"{s.Name} {figures[s.Name + "_server_p95_ms"]:0.0}")) + $" (trivial {trivialP95:0.0})");
        }

        // Register-version throughput: 8 clients, each on its own models (no conflicts between clients), for the scenario duration.
        // First a warm-up of the same load, as the reads have: without it a third of the host's CPU in
        // the measured seconds was the runtime compiling the write path (tiered JIT), a one-time cost.
        await RegisterAsync(seed: 200, RegisterWarmUp, new LatencyRecorder());
        var cpuBefore = await CpuMeter.SampleAsync();
        var registerLatency = new LatencyRecorder();
        var clock = Stopwatch.StartNew();
        var (registered, failures) = await RegisterAsync(seed: 100, ScenarioDuration, registerLatency);
        var perSecond = registered / clock.Elapsed.TotalSeconds;
        // CPU time per registration (host and clients, and the database): less sensitive to a loaded machine than the rate.
        var cpu = await CpuMeter.SampleAsync() - cpuBefore;
        var cpuPerRegistration = cpu.Process.TotalMilliseconds / Math.Max(1, registered);
        var trivialThroughput = await HttpLoad.RunAsync(anonymous, () => "/health/live", WriteClients, ScenarioDuration, cancellationToken);
        figures["register_warmup_seconds"] = RegisterWarmUp.TotalSeconds;
        figures["register_per_second"] = perSecond;
        figures["register_failures"] = failures;
        figures["register_process_cpu_ms_each"] = cpuPerRegistration;
        figures["register_database_cpu_ms_each"] = cpu.Database.TotalMilliseconds / Math.Max(1, registered);
        foreach (var (k, v) in registerLatency.Summary("register_"))
        {
            figures[k] = v;
        }

        baseline["trivial_per_second_8_clients"] = trivialThroughput.PerSecond;
        targets.Add(new BenchmarkTarget($"register-version per second at {WriteClients} clients", perSecond, ">=", 500));
        figures["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;

        var reads = runReads ? "server p95 ms: " + string.Join(", ", scenarios.Skip(1).Select(s => $"{s.Name} {figures[s.Name + "_server_p95_ms"]:0.0}")) + $" (trivial {trivialP95:0.0}); " : "writes only; ";
        return new BenchmarkResult(Name, figures, baseline, targets,
            $"{models:N0} models / {scale.Events:N0} events; {reads}register {perSecond:0}/s at {WriteClients} clients ({failures} failed; trivial endpoint {trivialThroughput.PerSecond:0}/s)");

        async Task<(int Registered, int Failures)> RegisterAsync(int seed, TimeSpan duration, LatencyRecorder latency)
        {
            var registered = 0;
            var failures = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, WriteClients).Select(c => Task.Run(async () =>
            {
                var own = new Random(seed + c);
                while (clock.Elapsed < duration)
                {
                    var model = RegistryGenerator.ModelName(c + WriteClients * own.Next(Math.Max(1, models / WriteClients / 25)));
                    var body = RegistryGenerator.Version(own, 1, "bench-scientist");
                    var response = await latency.TimeAsync(() => scientist.PostAsJsonAsync($"/api/v1/models/{model}/versions", new
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
            return (registered, failures);
        }
    }

    private sealed class BenchHost(string connectionString) : RegistryApp(connectionString)
    {
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
