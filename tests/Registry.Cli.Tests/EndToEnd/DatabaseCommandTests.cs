using System.Net.Http.Json;
using Npgsql;
using Registry.Cli.Commands;
using Registry.Cli.Tests.Commands;
using Registry.Testing;

namespace Registry.Cli.Tests.EndToEnd;

public sealed class DatabaseCommandTests(CliHost host) : IClassFixture<CliHost>, IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Migrate_applies_every_migration_to_an_empty_database_once()
    {
        var connection = await TestCluster.CreateEmptyDatabaseAsync("climigrate");
        var cli = new CliRunner(_work.Path, null);

        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("migrate", "--connection", connection));
        Assert.Contains("applied 0001", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("migrate", "--connection", connection));
        Assert.StartsWith("0 migration(s) applied", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_without_a_reachable_database_exits_3()
    {
        var cli = new CliRunner(_work.Path, null);

        var exit = await cli.RunAsync("migrate", "--connection", "Host=127.0.0.1;Port=1;Database=x;Username=x;Timeout=2");

        Assert.Equal(ExitCodes.Unavailable, exit);
        Assert.Contains("cannot reach the database", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Projections_rebuild_replays_the_log_into_emptied_read_models()
    {
        using var admin = host.CreateTokenClient(host.DataScientistToken);
        Assert.True((await admin.PostAsJsonAsync("/api/v1/models", new { name = "rebuilt", riskTier = "low" })).IsSuccessStatusCode);
        await using (var wipe = host.DataSource.CreateCommand("DELETE FROM registry.models WHERE name = 'rebuilt'"))
        {
            await wipe.ExecuteNonQueryAsync();
        }

        var cli = new CliRunner(_work.Path, null);
        var exit = await cli.RunAsync("projections", "rebuild", "--connection", host.ConnectionString);

        Assert.True(exit == ExitCodes.Ok, cli.Error.ToString());
        Assert.Contains("rebuilt models", cli.Out.ToString(), StringComparison.Ordinal);
        await using var count = host.DataSource.CreateCommand("SELECT count(*) FROM registry.models WHERE name = 'rebuilt'");
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Projections_rebuild_of_an_unknown_projection_exits_1_listing_the_known_ones()
    {
        var cli = new CliRunner(_work.Path, null);

        var exit = await cli.RunAsync("projections", "rebuild", "--connection", host.ConnectionString, "--only", "nope");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("known: models", cli.Error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Every table the projections fill (what `log import` must rebuild).</summary>
    private static readonly string[] ReadTables =
    [
        "models", "model_versions", "version_datasets", "version_dependencies", "approvals", "deployments", "current_deployments", "rollback_requests",
        "users", "user_tokens", "sign_ins",
    ];

    [Fact]
    public async Task A_log_exported_and_imported_into_an_empty_database_has_the_same_root_and_read_tables()
    {
        using var scientist = host.CreateTokenClient(host.DataScientistToken);
        Assert.True((await scientist.PostAsJsonAsync("/api/v1/models", new { name = "exported", riskTier = "medium", description = "carried over" })).IsSuccessStatusCode);
        Assert.True((await scientist.PostAsJsonAsync("/api/v1/models", new { name = "exported-too", riskTier = "low" })).IsSuccessStatusCode);
        var target = await TestCluster.CreateEmptyDatabaseAsync("cliimport");
        var cli = new CliRunner(_work.Path, null);

        var exported = await cli.RunAsync("log", "export", "registry.log", "--connection", host.ConnectionString);
        var exportOutput = cli.Out.ToString();
        var imported = await cli.RunAsync("log", "import", "registry.log", "--connection", target);

        Assert.True(exported == ExitCodes.Ok, cli.Error.ToString());
        Assert.True(imported == ExitCodes.Ok, cli.Error.ToString());
        await using var source = NpgsqlDataSource.Create(host.ConnectionString);
        await using var copy = NpgsqlDataSource.Create(target);
        var sourceHead = await HeadAsync(source);
        Assert.Equal(sourceHead, await HeadAsync(copy));
        Assert.Contains($"root {sourceHead.Root}", exportOutput, StringComparison.Ordinal);
        Assert.Contains($"imported {sourceHead.Size} event(s): root {sourceHead.Root}; rebuilt models, users", cli.Out.ToString(), StringComparison.Ordinal);
        foreach (var table in ReadTables)
        {
            Assert.Equal(await ContentsAsync(source, table), await ContentsAsync(copy, table));
        }

        Assert.Contains("carried over", await ContentsAsync(copy, "models"), StringComparison.Ordinal);
        Assert.Contains("dana", await ContentsAsync(copy, "users"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_into_a_database_whose_log_is_not_empty_is_refused_and_appends_nothing()
    {
        var cli = new CliRunner(_work.Path, null);
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("log", "export", "mine.log", "--connection", host.ConnectionString));
        var before = await host.EventCountAsync();

        var exit = await cli.RunAsync("log", "import", "mine.log", "--connection", host.ConnectionString);

        Assert.Equal(ExitCodes.Rejected, exit);
        Assert.Contains($"nothing imported: the log already holds {before} events; import only into an empty database", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task Importing_a_file_that_does_not_exist_exits_1_naming_it()
    {
        var cli = new CliRunner(_work.Path, null);

        var exit = await cli.RunAsync("log", "import", "missing.log", "--connection", host.ConnectionString);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("missing.log does not exist", cli.Error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(long Size, string Root)> HeadAsync(NpgsqlDataSource dataSource)
    {
        await using var store = new EventStore.EventStore(dataSource, [], new EventStore.EventStoreOptions(), TimeProvider.System);
        var head = await store.GetHeadAsync();
        return (head.TreeSize, Convert.ToHexStringLower(head.RootHash));
    }

    private static async Task<string> ContentsAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var command = dataSource.CreateCommand($"SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM registry.{table} t");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
