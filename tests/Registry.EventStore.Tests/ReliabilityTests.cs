using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;
using Registry.EventStore.Hosting;
using Registry.EventStore.Migrations;
using Registry.Testing;

namespace Registry.EventStore.Tests;

public sealed class ReliabilityTests
{
    [Fact]
    public async Task Sixteen_writers_racing_on_fifty_streams_lose_nothing_and_duplicate_nothing()
    {
        await using var log = await TestLog.CreateAsync();
        var acknowledged = new ConcurrentBag<string>();
        var conflicts = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer);
            for (var i = 0; i < 500; i++)
            {
                var stream = $"stream-{random.Next(50)}";
                var id = $"{writer}-{i}";
                var version = await log.Store.GetStreamVersionAsync(stream);
                var result = await log.Store.AppendAsync(stream, version, [new NewEvent("Written", new JsonObject { ["id"] = id })], TestLog.By());
                if (result is AppendResult.Appended)
                {
                    acknowledged.Add(id);
                }
                else
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));

        var stored = (await log.Store.ReadAllAsync(0, 100_000)).ToList();
        Assert.True(conflicts > 0, "the race should have produced conflicts");
        Assert.Equal(8000, acknowledged.Count + conflicts);
        Assert.Equal(acknowledged.Order(), stored.Select(e => e.Data.GetProperty("id").GetString()!).Order());
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(e => e.Position));
        Assert.All(stored.GroupBy(e => e.Stream), g => Assert.Equal(Enumerable.Range(1, g.Count()), g.Select(e => e.Version)));
        var verified = await new LogVerifier(log.DataSource).VerifyAsync();
        Assert.True(verified.Ok, verified.Problem);
    }

    [Fact]
    public async Task Two_processes_appending_at_once_lose_nothing_and_keep_positions_dense()
    {
        // Both stores' one-round-trip batches meet at the head lock: the one that waited finds the head
        // moved when the lock is granted, its guard refuses it, and its locking path appends it.
        await using var log = await TestLog.CreateAsync(new BatchedStreamCountProjection());
        await log.ScalarAsync(StreamCountProjection.CreateTable + "; SELECT 0");
        await using var second = new EventStore(log.DataSource, [new BatchedStreamCountProjection()], log.Store.Options, log.Clock);
        EventStore[] stores = [log.Store, second];
        var acknowledged = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var id = $"{writer}-{i}";
                var result = await stores[writer % 2].AppendAsync($"s{i % 5}", ExpectedVersion.Any, [new NewEvent("Written", new JsonObject { ["id"] = id })], TestLog.By());
                Assert.IsType<AppendResult.Appended>(result);
                acknowledged.Add(id);
            }
        })));

        var stored = await log.Store.ReadAllAsync(0, 10_000);
        Assert.Equal(acknowledged.Order(), stored.Select(e => e.Data.GetProperty("id").GetString()!).Order());
        Assert.Equal(Enumerable.Range(1, 800).Select(p => (long)p), stored.Select(e => e.Position));
        Assert.All(stored.GroupBy(e => e.Stream), g => Assert.Equal(Enumerable.Range(1, g.Count()), g.Select(e => e.Version)));
        Assert.Equal(800, await log.ScalarAsync("SELECT sum(events) FROM registry.test_stream_counts"));
        var verified = await new LogVerifier(log.DataSource).VerifyAsync();
        Assert.True(verified.Ok, verified.Problem);
    }

    [Fact]
    public async Task Two_processes_appending_in_turn_keep_positions_dense_conflicts_right_and_the_chain_whole()
    {
        // Each store predicts the head it last committed; the other's appends make that prediction
        // wrong, so the guard refuses the one-round-trip batch and the locking path decides instead.
        await using var log = await TestLog.CreateAsync(new BatchedStreamCountProjection());
        await log.ScalarAsync(StreamCountProjection.CreateTable + "; SELECT 0");
        await using var second = new EventStore(log.DataSource, [new BatchedStreamCountProjection()], log.Store.Options, log.Clock);
        EventStore[] stores = [log.Store, second];
        var actual = new Dictionary<string, int>();
        var believed = new[] { new Dictionary<string, int>(), new Dictionary<string, int>() };
        var random = new Random(3);
        var appended = 0;
        var writer = 0;

        for (var i = 0; i < 300; i++)
        {
            // Runs on one store, then the other, so each store meets both its own head and the other's.
            if (random.Next(3) == 0)
            {
                writer = 1 - writer;
            }

            var stream = $"s{random.Next(6)}";
            var truth = actual.GetValueOrDefault(stream);
            var expected = random.Next(5) switch
            {
                0 => ExpectedVersion.Any,
                1 => random.Next(truth + 2), // a guess: right or wrong, on a stream this store may never have seen
                _ => believed[writer].GetValueOrDefault(stream), // what this store last saw: stale when the other wrote since
            };
            var events = Enumerable.Range(0, random.Next(1, 3)).Select(n => TestLog.Event("E", n)).ToArray();

            var result = await stores[writer].AppendAsync(stream, expected, events, TestLog.By());

            if (expected == ExpectedVersion.Any || expected == truth)
            {
                var stored = Assert.IsType<AppendResult.Appended>(result).Events;
                Assert.Equal(Enumerable.Range(truth + 1, events.Length), stored.Select(e => e.Version));
                Assert.Equal(Enumerable.Range(appended + 1, events.Length).Select(p => (long)p), stored.Select(e => e.Position));
                actual[stream] = believed[writer][stream] = truth + events.Length;
                appended += events.Length;
            }
            else
            {
                Assert.Equal(new AppendResult.Conflict(stream, expected, truth), result);
                believed[writer][stream] = truth;
            }
        }

        var verified = await new LogVerifier(log.DataSource).VerifyAsync();
        Assert.True(verified.Ok, verified.Problem);
        Assert.Equal(appended, verified.TreeSize);
        foreach (var (stream, version) in actual)
        {
            Assert.Equal(version, await log.ScalarAsync($"SELECT events FROM registry.test_stream_counts WHERE stream = '{stream}'"));
        }

        var inline = await StreamCountProjection.SnapshotAsync(log.DataSource);
        await log.Store.RebuildProjectionsAsync();
        Assert.Equal(inline, await StreamCountProjection.SnapshotAsync(log.DataSource));
    }

    [Fact]
    public async Task A_writer_killed_mid_append_leaves_nothing_partial_and_the_chain_verifies()
    {
        await using var log = await TestLog.CreateAsync();
        var acknowledged = new ConcurrentBag<long>();
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "append-writer", log.ConnectionString])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var writer = Process.Start(start)!;
        writer.OutputDataReceived += (_, line) =>
        {
            foreach (var p in (line.Data ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                acknowledged.Add(long.Parse(p, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        writer.BeginOutputReadLine();
        try
        {
            var waited = Stopwatch.StartNew();
            while (acknowledged.Count < 500)
            {
                if (writer.HasExited)
                {
                    Assert.Fail("the writer died on its own: " + await writer.StandardError.ReadToEndAsync());
                }

                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the writer made no progress");
                await Task.Delay(20);
            }
        }
        finally
        {
            writer.Kill(); // SIGKILL: no chance to finish or roll back anything itself
            await writer.WaitForExitAsync();
        }

        // The server notices the dead client and rolls its open transaction back; then the head is free.
        await using var survivor = new EventStore(log.DataSource, [], new EventStoreOptions(), TimeProvider.System);
        var after = await survivor.AppendAsync("after-crash", 0, [TestLog.Event("Recovered")], TestLog.By());
        var recovered = Assert.IsType<AppendResult.Appended>(after).Events[0].Position;

        var verified = await new LogVerifier(log.DataSource).VerifyAsync();
        Assert.True(verified.Ok, verified.Problem);
        Assert.Equal(recovered, verified.TreeSize);
        Assert.All(acknowledged, p => Assert.True(p < recovered));
        Assert.Equal(0, await log.ScalarAsync("SELECT count(*) FROM (SELECT stream FROM registry.events WHERE stream LIKE 'writer-%' GROUP BY stream, data->>'i' HAVING count(*) <> 5) partial"));
    }

    [Fact]
    public async Task Appends_fail_with_a_transient_error_while_PostgreSQL_is_down_and_succeed_again_when_it_returns()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"registry-restart-{Guid.NewGuid():N}");
        var options = new EmbeddedPostgresOptions
        {
            DataDirectory = folder,
            Database = "restart",
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        };
        var server = await EmbeddedPostgres.StartAsync(options);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(server.ConnectionString + ";Timeout=3");
            await new Migrator(dataSource).MigrateAsync();
            await using var store = new EventStore(dataSource, [], new EventStoreOptions(), TimeProvider.System);
            await AppendAsync(store);

            await server.StopAsync();
            var down = Stopwatch.StartNew();
            var errors = new List<Exception>();
            while (down.Elapsed < TimeSpan.FromSeconds(10))
            {
                errors.Add(await Assert.ThrowsAsync<EventStoreUnavailableException>(() => AppendAsync(store)));
                await Task.Delay(500);
            }

            Assert.All(errors, e => Assert.False(((EventStoreUnavailableException)e).OutcomeUnknown));
            server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
            {
                DataDirectory = folder,
                Database = options.Database,
                Port = server.Port,
                Settings = options.Settings,
            });

            // Connections broken by the restart may fail once more each; then appends go through, same store, same process.
            var back = Stopwatch.StartNew();
            AppendResult? result = null;
            while (result is null)
            {
                Assert.True(back.Elapsed < TimeSpan.FromSeconds(30), "appends did not recover");
                try
                {
                    result = await AppendAsync(store);
                }
                catch (EventStoreUnavailableException)
                {
                    await Task.Delay(200);
                }
            }

            Assert.Equal(2, Assert.IsType<AppendResult.Appended>(result).Events[0].Position);
            Assert.True((await new LogVerifier(dataSource).VerifyAsync()).Ok);
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }

        static Task<AppendResult> AppendAsync(EventStore store) =>
            store.AppendAsync("s", ExpectedVersion.Any, [TestLog.Event("E")], TestLog.By());
    }
}
