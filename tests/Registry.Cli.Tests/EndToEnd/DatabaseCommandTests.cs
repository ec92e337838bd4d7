using System.Net.Http.Json;
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
}
