using Npgsql;

namespace Registry.EventStore.Tests;

public sealed class ProjectionTests
{
    private static async Task<TestLog> LogWithProjectionAsync()
    {
        var log = await TestLog.CreateAsync(new StreamCountProjection());
        await log.ScalarAsync(StreamCountProjection.CreateTable + "; SELECT 0");
        return log;
    }

    [Fact]
    public async Task Projections_see_an_append_as_soon_as_it_returns()
    {
        await using var log = await LogWithProjectionAsync();

        await log.AppendAsync("model-a", 0, TestLog.Event("Registered"), TestLog.Event("Tagged"));

        Assert.Equal("model-a:2:Tagged:2", await StreamCountProjection.SnapshotAsync(log.DataSource));
    }

    [Fact]
    public async Task An_append_whose_projection_fails_fails_alone_and_leaves_no_trace()
    {
        await using var log = await LogWithProjectionAsync();

        var appends = Enumerable.Range(0, 20)
            .Select(i => log.Store.AppendAsync($"s{i}", 0, [TestLog.Event(i == 7 ? "Poison" : "Fine")], TestLog.By()))
            .ToList();
        await Assert.ThrowsAsync<InvalidOperationException>(() => appends[7]);

        Assert.All(appends.Where((_, i) => i != 7), a => Assert.IsType<AppendResult.Appended>(a.Result));
        Assert.Equal(19, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
        Assert.Equal(19, await log.ScalarAsync("SELECT max(position) FROM registry.events"));
        Assert.Equal(0, await log.ScalarAsync("SELECT count(*) FROM registry.events WHERE stream = 's7'"));
        Assert.True((await new LogVerifier(log.DataSource).VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Rebuilding_from_the_log_gives_the_same_read_tables_as_inline_projection()
    {
        await using var log = await LogWithProjectionAsync();
        for (var i = 0; i < 30; i++)
        {
            await log.AppendAsync($"s{i % 4}", ExpectedVersion.Any, TestLog.Event($"T{i}"));
        }

        var inline = await StreamCountProjection.SnapshotAsync(log.DataSource);
        await log.ScalarAsync("UPDATE registry.test_stream_counts SET events = 0; SELECT 0");

        var replayed = await log.Store.RebuildProjectionsAsync();

        Assert.Equal(30, replayed);
        Assert.Equal(inline, await StreamCountProjection.SnapshotAsync(log.DataSource));
    }

    [Fact]
    public async Task Rebuilding_an_unknown_projection_is_refused()
    {
        await using var log = await LogWithProjectionAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => log.Store.RebuildProjectionsAsync(["nope"]));
    }

    [Fact]
    public async Task A_projection_error_is_raised_to_the_caller_not_swallowed()
    {
        await using var log = await LogWithProjectionAsync();
        await log.ScalarAsync("DROP TABLE registry.test_stream_counts; SELECT 0");

        var error = await Assert.ThrowsAsync<PostgresException>(() => log.Store.AppendAsync("s", 0, [TestLog.Event("A")], TestLog.By()));

        Assert.Equal(PostgresErrorCodes.UndefinedTable, error.SqlState);
        Assert.Equal(0, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
    }

    private static async Task<TestLog> LogWithBatchedProjectionAsync()
    {
        var log = await TestLog.CreateAsync(new BatchedStreamCountProjection());
        await log.ScalarAsync(StreamCountProjection.CreateTable + "; SELECT 0");
        return log;
    }

    [Fact]
    public async Task A_projection_batched_with_the_insert_sees_an_append_as_soon_as_it_returns()
    {
        await using var log = await LogWithBatchedProjectionAsync();

        await log.AppendAsync("model-a", 0, TestLog.Event("Registered"), TestLog.Event("Tagged"));

        Assert.Equal("model-a:2:Tagged:2", await StreamCountProjection.SnapshotAsync(log.DataSource));
    }

    [Fact]
    public async Task An_append_whose_batched_projection_fails_fails_alone_and_leaves_no_trace()
    {
        await using var log = await LogWithBatchedProjectionAsync();

        var appends = Enumerable.Range(0, 20)
            .Select(i => log.Store.AppendAsync($"s{i}", 0, [TestLog.Event(i == 7 ? "Poison" : "Fine")], TestLog.By()))
            .ToList();
        await Assert.ThrowsAsync<InvalidOperationException>(() => appends[7]);

        Assert.All(appends.Where((_, i) => i != 7), a => Assert.IsType<AppendResult.Appended>(a.Result));
        Assert.Equal(19, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
        Assert.Equal(19, await log.ScalarAsync("SELECT count(*) FROM registry.test_stream_counts"));
        Assert.Equal(0, await log.ScalarAsync("SELECT count(*) FROM registry.events WHERE stream = 's7'"));
        Assert.True((await new LogVerifier(log.DataSource).VerifyAsync()).Ok);
    }

    [Fact]
    public async Task A_batched_projection_error_in_the_database_is_raised_and_nothing_is_appended()
    {
        await using var log = await LogWithBatchedProjectionAsync();
        await log.ScalarAsync("DROP TABLE registry.test_stream_counts; SELECT 0");

        var error = await Assert.ThrowsAsync<PostgresException>(() => log.Store.AppendAsync("s", 0, [TestLog.Event("A")], TestLog.By()));

        Assert.Equal(PostgresErrorCodes.UndefinedTable, error.SqlState);
        Assert.Equal(0, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
        Assert.Equal(0, await log.ScalarAsync("SELECT position FROM registry.log_head"));
    }
}
