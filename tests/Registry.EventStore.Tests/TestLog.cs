// A fresh migrated database with an EventStore over it, per test: positions start at 1 and no test
// sees another's events.
using System.Text.Json.Nodes;
using Npgsql;
using Registry.Testing;

namespace Registry.EventStore.Tests;

public sealed class TestLog : IAsyncDisposable
{
    private TestLog(string connectionString, NpgsqlDataSource dataSource, EventStore store, ManualClock clock)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
        Store = store;
        Clock = clock;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public EventStore Store { get; private set; }

    public ManualClock Clock { get; }

    public static async Task<TestLog> CreateAsync(params IProjection[] projections)
    {
        var connectionString = await TestCluster.CreateDatabaseAsync("eventstore");
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 21, 12, 34, 56, TimeSpan.Zero).AddTicks(1_234_567));
        return new TestLog(connectionString, dataSource, new EventStore(dataSource, projections, new EventStoreOptions { Origin = "registry.test" }, clock), clock);
    }

    public static AppendMetadata By(string actor = "alice") => new(actor, CorrelationId: "corr-1");

    public static NewEvent Event(string type, int n = 0) => new(type, new JsonObject { ["n"] = n });

    public async Task<AppendResult.Appended> AppendAsync(string stream, int expectedVersion, params NewEvent[] events) =>
        Assert.IsType<AppendResult.Appended>(await Store.AppendAsync(stream, expectedVersion, events, By()));

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs SQL as the superuser with triggers off: how an attacker with database access would tamper.</summary>
    public async Task TamperAsync(string sql)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SET session_replication_role = replica; " + sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset to) => _now = to;
}
