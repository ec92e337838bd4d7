// The benchmark-scale registry (10,000 models, 100,000 versions, 1,000,000 events by default; set
// REGISTRY_BENCH_MODELS for a smaller run), generated once per `make bench` and shared by every
// benchmark that reads at scale, so the run does not spend its time generating the same log twice.
using System.Diagnostics;
using Npgsql;
using Registry.Benchmarks.Api;
using Registry.EventStore;
using Registry.EventStore.Projections;

namespace Registry.Benchmarks.Harness;

public sealed record ScaleDatabase(string ConnectionString, int Models, long Events, double GenerateSeconds)
{
    public int Versions => Models * RegistryGenerator.VersionsPerModel;
}

public static class ScaleRegistry
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ScaleDatabase? _database;

    public static int ModelsFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("REGISTRY_BENCH_MODELS"), out var m) && m > 0 ? m : 10_000;

    public static async Task<ScaleDatabase> GetAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_database is not null)
            {
                return _database;
            }

            var models = ModelsFromEnvironment();
            var generator = new RegistryGenerator(models);
            var connectionString = await context.CreateDatabaseAsync("scale");
            var started = Stopwatch.StartNew();
            long events;
            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            {
                await using (var store = new EventStore.EventStore(dataSource, [new ModelProjection()], new EventStoreOptions { Origin = "registry.bench" }, TimeProvider.System))
                {
                    context.Say($"generating {models:N0} models, {models * RegistryGenerator.VersionsPerModel:N0} versions, {models * RegistryGenerator.EventsPerModel:N0} events (seeded, reproducible)");
                    await generator.WriteAsync(store, n => context.Say($"  {n:N0} models ({started.Elapsed.TotalSeconds:0} s)"), cancellationToken);
                }

                await using var analyze = dataSource.CreateCommand("VACUUM ANALYZE");
                analyze.CommandTimeout = 0;
                await analyze.ExecuteNonQueryAsync(cancellationToken);
                events = await CheckAsync(dataSource, models, cancellationToken);
            }

            context.Say($"generated {events:N0} events in {started.Elapsed.TotalSeconds:0} s");
            _database = new ScaleDatabase(connectionString, models, events, started.Elapsed.TotalSeconds);
            return _database;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The figures quote the data set's size, so it must be exactly that: log, head and read tables.</summary>
    private static async Task<long> CheckAsync(NpgsqlDataSource dataSource, int models, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM registry.events), (SELECT position FROM registry.log_head),
                   (SELECT count(*) FROM registry.models), (SELECT count(*) FROM registry.model_versions)
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (events, head, modelRows, versionRows) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        var expected = (long)models * RegistryGenerator.EventsPerModel;
        if (events != expected || head != expected || modelRows != models || versionRows != (long)models * RegistryGenerator.VersionsPerModel)
        {
            throw new InvalidOperationException(
                $"the scale registry should hold {expected:N0} events, {models:N0} models and {models * RegistryGenerator.VersionsPerModel:N0} versions; " +
                $"it holds {events:N0} events (head {head:N0}), {modelRows:N0} models, {versionRows:N0} versions");
        }

        return events;
    }
}
