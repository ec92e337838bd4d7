// What authentication costs per API request: GET /api/v1/me with a personal access token (a SHA-256,
// then the account from AccountCache, or one indexed read among 10,000 tokens after any account
// event emptied it), with the bootstrap token (no database), against the
// trivial anonymous endpoint of the same host at the same concurrency. Also the cost of a portal
// sign-in (PBKDF2 verification + appending SignedIn), which is deliberately slow.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Benchmarks.Harness;
using Registry.Testing;
using Registry.Web.Identity;

namespace Registry.Benchmarks.Identity;

public sealed class TokenAuthenticationBenchmark : IBenchmark
{
    private const int Clients = 8;
    private const int Tokens = 10_000;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);

    public string Name => "token-authentication";

    public async Task<BenchmarkResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        await using var host = new BenchHost();
        await host.InitializeAsync();
        var token = await host.CreateUserTokenAsync("bench-token-user", "auditor");
        await SeedTokensAsync(host.DataSource, cancellationToken);
        context.Say($"{Tokens:N0} other tokens in registry.user_tokens");

        using var anonymous = host.CreateClient();
        using var personal = host.CreateTokenClient(token);
        using var bootstrap = host.CreateAdminClient();
        var scenarios = new (string Name, HttpClient Client, string Path)[]
        {
            ("trivial", anonymous, "/health/live"),
            ("personal_token", personal, "/api/v1/me"),
            ("bootstrap_token", bootstrap, "/api/v1/me"),
        };

        var figures = new Dictionary<string, double> { ["tokens"] = Tokens + 1 };
        var baseline = new Dictionary<string, double>();
        foreach (var (name, client, path) in scenarios)
        {
            await RunAsync(client, path, TimeSpan.FromSeconds(1), cancellationToken);
            var recorder = await RunAsync(client, path, Duration, cancellationToken);
            context.Say($"{name}: p50 {recorder.Percentile(50):0.00} ms, p95 {recorder.Percentile(95):0.00} ms, {recorder.Count / Duration.TotalSeconds:0}/s");
            foreach (var (k, v) in recorder.Summary(name + "_"))
            {
                (name == "trivial" ? baseline : figures)[k] = v;
            }

            (name == "trivial" ? baseline : figures)[name + "_per_second"] = recorder.Count / Duration.TotalSeconds;
        }

        var signIn = new LatencyRecorder();
        var accounts = host.Services.GetRequiredService<Accounts>();
        await accounts.CreateUserAsync("bench-signin", "Bench", null, [], "a long bench password", "local", new Registry.EventStore.AppendMetadata("admin", "bench"), cancellationToken);
        for (var i = 0; i < 20; i++)
        {
            await signIn.TimeAsync<SignInResult>(() => accounts.SignInAsync("bench-signin", "a long bench password", new Registry.EventStore.AppendMetadata("anonymous", "bench"), cancellationToken));
        }

        foreach (var (k, v) in signIn.Summary("sign_in_"))
        {
            figures[k] = v;
        }

        var overhead = figures["personal_token_p95_ms"] - baseline["trivial_p95_ms"];
        figures["personal_token_p95_overhead_ms"] = overhead;
        return new BenchmarkResult(Name, figures, baseline,
            [new BenchmarkTarget($"personal token p95 minus trivial p95, ms, {Clients} clients", overhead, "<", 5)],
            $"p95 at {Clients} clients: trivial {baseline["trivial_p95_ms"]:0.00} ms, personal token {figures["personal_token_p95_ms"]:0.00} ms, " +
            $"bootstrap token {figures["bootstrap_token_p95_ms"]:0.00} ms; sign-in p50 {signIn.Percentile(50):0} ms");
    }

    /// <summary>Other users' tokens, written straight into the read model: only the lookup's index matters here.</summary>
    private static async Task SeedTokensAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO registry.user_tokens (id, username, name, sha256, created_at, created_by)
            SELECT 'seed-' || g, 'bench-token-user', 'seed ' || g, sha256(('seed ' || g)::bytea), now(), 'bench'
            FROM generate_series(1, $1) g
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Tokens });
        await command.ExecuteNonQueryAsync(cancellationToken);
        await using var analyze = dataSource.CreateCommand("ANALYZE registry.user_tokens");
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<LatencyRecorder> RunAsync(HttpClient client, string path, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
                await response.Content.CopyToAsync(Stream.Null, cancellationToken);
                recorder.Add(Stopwatch.GetElapsedTime(started));
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}");
                }
            }
        }, cancellationToken)));
        return recorder;
    }

    private sealed class BenchHost : RegistryApp
    {
        // A console app has no MvcTestingAppManifest.json in its working directory: tell
        // WebApplicationFactory where the web project is, the way its documentation offers.
        public BenchHost() => Environment.SetEnvironmentVariable(
            "ASPNETCORE_TEST_CONTENTROOT_REGISTRY_WEB",
            Environment.GetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_REGISTRY_WEB") ?? Path.Combine(Registry.Web.Hosting.RepositoryRoot.Find(), "src", "Registry.Web"));

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}
