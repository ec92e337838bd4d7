global using Xunit;
// One throwaway PostgreSQL cluster per test process, started on first use and removed at exit.
// Every test class gets its own database, copied from a migrated template (a copy takes
// milliseconds; migrating from scratch each time would not).
using Npgsql;
using Registry.EventStore.Hosting;
using Registry.EventStore.Migrations;

namespace Registry.Testing;

public static class TestCluster
{
    public const string TemplateDatabase = "registry_template";

    private static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static int _counter;

    public static Task<EmbeddedPostgres> GetAsync() => Cluster.Value;

    /// <summary>A new, migrated database; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose = "test")
    {
        var cluster = await GetAsync();
        var name = $"{Sanitize(purpose)}_{Interlocked.Increment(ref _counter)}";
        await CreateLock.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(cluster.ConnectionStringFor("postgres") + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE {TemplateDatabase}", connection);
            await command.ExecuteNonQueryAsync();
        }
        finally
        {
            CreateLock.Release();
        }

        return cluster.ConnectionStringFor(name);
    }

    /// <summary>A new database with no schema at all (for migration and import tests).</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string purpose = "empty")
    {
        var cluster = await GetAsync();
        var name = $"{Sanitize(purpose)}_{Interlocked.Increment(ref _counter)}";
        await cluster.EnsureDatabaseAsync(name);
        return cluster.ConnectionStringFor(name);
    }

    private static async Task<EmbeddedPostgres> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"registry-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        EmbeddedPostgres cluster;
        try
        {
            cluster = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
            {
                DataDirectory = folder,
                Database = TemplateDatabase,
                // A throwaway cluster: durability buys nothing here and costs seconds.
                Settings = new Dictionary<string, string> { ["fsync"] = "off", ["synchronous_commit"] = "off", ["full_page_writes"] = "off" },
            });
        }
        catch (EmbeddedPostgresException e)
        {
            throw new InvalidOperationException("The test suite needs a PostgreSQL server (run `make test`, which installs it): " + e.Message, e);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            NpgsqlConnection.ClearAllPools();
            cluster.Stop();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };

        await using (var dataSource = NpgsqlDataSource.Create(cluster.ConnectionStringFor(TemplateDatabase)))
        {
            await new Migrator(dataSource).MigrateAsync();
        }

        NpgsqlConnection.ClearAllPools();
        return cluster;
    }

    private static string Sanitize(string purpose)
    {
        var chars = purpose.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_').Take(40).ToArray();
        return chars.Length == 0 ? "db" : new string(chars);
    }
}

/// <summary>A fresh migrated database for one test class (<c>IClassFixture&lt;RegistryDatabase&gt;</c>).</summary>
public sealed class RegistryDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestCluster.CreateDatabaseAsync(GetType().Name);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync() => await DataSource.DisposeAsync();
}
