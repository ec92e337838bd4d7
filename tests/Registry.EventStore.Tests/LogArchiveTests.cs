using System.Text;

namespace Registry.EventStore.Tests;

public sealed class LogArchiveTests
{
    [Fact]
    public async Task An_exported_log_imports_into_an_empty_database_with_the_same_root_and_read_tables()
    {
        await using var source = await TestLog.CreateAsync(new StreamCountProjection());
        await source.ScalarAsync(StreamCountProjection.CreateTable + "; SELECT 0");
        for (var i = 0; i < 4321 % 97 + 50; i++)
        {
            await source.AppendAsync($"s{i % 5}", ExpectedVersion.Any, TestLog.Event($"T{i % 3}", i));
        }

        using var file = new MemoryStream();
        var exported = await LogArchive.ExportAsync(source.Store, file);
        await using var target = await TestLog.CreateAsync(new StreamCountProjection());
        await target.ScalarAsync(StreamCountProjection.CreateTable + "; SELECT 0");

        file.Position = 0;
        var imported = await LogArchive.ImportAsync(target.Store, file);

        Assert.Equal(exported.RootHash, imported.RootHash);
        Assert.Equal(exported.RootHash, (await target.Store.GetHeadAsync()).RootHash);
        Assert.Equal(exported.ChainHash, (await target.Store.GetHeadAsync()).ChainHash);
        Assert.Equal(await StreamCountProjection.SnapshotAsync(source.DataSource), await StreamCountProjection.SnapshotAsync(target.DataSource));
        Assert.True((await new LogVerifier(target.DataSource).VerifyAsync()).Ok);

        // The imported log goes on: the next append continues the chain.
        var next = await target.AppendAsync("s0", ExpectedVersion.Any, TestLog.Event("After"));
        Assert.Equal(exported.TreeSize + 1, next.Events[0].Position);
    }

    [Fact]
    public async Task Each_line_after_the_header_is_an_envelope_byte_for_byte()
    {
        await using var log = await TestLog.CreateAsync();
        var appended = await log.AppendAsync("s", 0, TestLog.Event("A"), TestLog.Event("B"));
        using var file = new MemoryStream();

        await LogArchive.ExportAsync(log.Store, file);

        var lines = Encoding.UTF8.GetString(file.ToArray()).Split('\n');
        Assert.StartsWith("{\"format\":\"registry-log/v1\",\"origin\":\"registry.test\",\"rootHash\":\"", lines[0], StringComparison.Ordinal);
        Assert.Equal(appended.Events.Select(e => Encoding.UTF8.GetString(e.Envelope)), lines[1..3]);
        Assert.Equal("", lines[3]);
    }

    [Fact]
    public async Task An_archive_with_a_changed_event_is_refused_and_nothing_is_imported()
    {
        await using var source = await TestLog.CreateAsync();
        await source.AppendAsync("s", 0, TestLog.Event("A", 1), TestLog.Event("B", 2));
        using var file = new MemoryStream();
        await LogArchive.ExportAsync(source.Store, file);
        var text = Encoding.UTF8.GetString(file.ToArray()).Replace("\"n\":2", "\"n\":3", StringComparison.Ordinal);
        await using var target = await TestLog.CreateAsync();

        var error = await Assert.ThrowsAsync<LogArchiveException>(() => LogArchive.ImportAsync(target.Store, new MemoryStream(Encoding.UTF8.GetBytes(text))));

        Assert.Contains("root", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await target.ScalarAsync("SELECT count(*) FROM registry.events"));
    }

    [Fact]
    public async Task Import_refuses_a_database_that_already_has_events()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"));
        using var file = new MemoryStream();
        await LogArchive.ExportAsync(log.Store, file);
        file.Position = 0;

        await Assert.ThrowsAsync<LogArchiveException>(() => LogArchive.ImportAsync(log.Store, file));
    }
}
