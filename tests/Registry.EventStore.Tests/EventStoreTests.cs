using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Registry.EventStore.Hashing;
using Registry.EventStore.Merkle;

namespace Registry.EventStore.Tests;

public sealed class EventStoreTests
{
    [Fact]
    public async Task The_first_event_of_a_new_stream_is_version_1_at_position_1()
    {
        await using var log = await TestLog.CreateAsync();

        var appended = await log.AppendAsync("model-churn", ExpectedVersion.NoStream, TestLog.Event("ModelRegistered"));

        var e = Assert.Single(appended.Events);
        Assert.Equal((1L, 1, "model-churn", "ModelRegistered", "alice"), (e.Position, e.Version, e.Stream, e.Type, e.Actor));
    }

    [Fact]
    public async Task The_envelope_is_the_canonical_JSON_of_the_contract_with_six_fractional_digits()
    {
        await using var log = await TestLog.CreateAsync();
        var metadata = new AppendMetadata("alice", "corr-7", CausationId: "cause-3", Reason: "retrained", Client: "registry-cli/1.0", Ip: "10.0.0.5");
        var data = new JsonObject { ["name"] = "churn", ["riskTier"] = "high", ["auc"] = 0.90, ["tags"] = new JsonObject { ["z"] = "1", ["a"] = "é" } };

        var result = Assert.IsType<AppendResult.Appended>(await log.Store.AppendAsync("model-churn", 0, [new NewEvent("ModelRegistered", data)], metadata));

        Assert.Equal(
            """{"actor":"alice","data":{"auc":0.9,"name":"churn","riskTier":"high","tags":{"a":"é","z":"1"}},"metadata":{"causationId":"cause-3","client":"registry-cli/1.0","correlationId":"corr-7","ip":"10.0.0.5","reason":"retrained"},"position":1,"recordedAt":"2026-11-21T12:34:56.123456Z","stream":"model-churn","type":"ModelRegistered","version":1}""",
            Encoding.UTF8.GetString(result.Events[0].Envelope));
    }

    [Fact]
    public async Task Metadata_holds_the_correlation_id_and_omits_what_was_not_given()
    {
        await using var log = await TestLog.CreateAsync();

        var e = (await log.AppendAsync("s", 0, TestLog.Event("Happened"))).Events[0];

        Assert.Equal("""{"correlationId":"corr-1"}""", e.Metadata.GetRawText());
    }

    [Fact]
    public async Task Leaf_and_chain_hashes_follow_the_contract()
    {
        await using var log = await TestLog.CreateAsync();

        var events = (await log.AppendAsync("s", 0, TestLog.Event("A"), TestLog.Event("B"))).Events;

        Assert.Equal(LogHash.ToHex(System.Security.Cryptography.SHA256.HashData([0, .. events[0].Envelope])), LogHash.ToHex(events[0].LeafHash));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([.. new byte[32], .. events[0].LeafHash]), events[0].ChainHash);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([.. events[0].ChainHash, .. events[1].LeafHash]), events[1].ChainHash);
    }

    [Fact]
    public async Task A_wrong_expected_version_is_a_conflict_naming_the_actual_version_and_writes_nothing()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"), TestLog.Event("B"));

        var result = await log.Store.AppendAsync("s", 1, [TestLog.Event("C")], TestLog.By());

        Assert.Equal(new AppendResult.Conflict("s", 1, 2), result);
        Assert.Equal(2, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
        Assert.IsType<AppendResult.Conflict>(await log.Store.AppendAsync("s", ExpectedVersion.NoStream, [TestLog.Event("C")], TestLog.By()));
    }

    [Fact]
    public async Task Any_skips_the_version_check_and_continues_the_stream()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"));

        var appended = await log.AppendAsync("s", ExpectedVersion.Any, TestLog.Event("B"));

        Assert.Equal(2, appended.Events[0].Version);
    }

    [Fact]
    public async Task Reading_a_stream_returns_its_events_in_version_order_as_stored()
    {
        await using var log = await TestLog.CreateAsync();
        var first = await log.AppendAsync("a", 0, TestLog.Event("A1", 1));
        await log.AppendAsync("b", 0, TestLog.Event("B1"));
        var second = await log.AppendAsync("a", 1, TestLog.Event("A2", 2));

        var events = await log.Store.ReadStreamAsync("a");

        Assert.Equal([1L, 3L], events.Select(e => e.Position));
        Assert.Equal(first.Events[0].Envelope, events[0].Envelope);
        Assert.Equal(second.Events[0].ChainHash, events[1].ChainHash);
        Assert.Equal(2, events[1].Data.GetProperty("n").GetInt32());
        Assert.Empty(await log.Store.ReadStreamAsync("nobody"));
    }

    [Fact]
    public async Task A_stream_can_be_read_as_it_stood_at_a_position_or_a_time()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("a", 0, TestLog.Event("A1"));
        log.Clock.Advance(TimeSpan.FromHours(1));
        await log.AppendAsync("a", 1, TestLog.Event("A2"));
        var thirdAt = log.Clock.GetUtcNow().AddHours(1);
        log.Clock.Set(thirdAt);
        await log.AppendAsync("a", 2, TestLog.Event("A3"));

        Assert.Equal(["A1", "A2"], (await log.Store.ReadStreamAsync("a", untilPosition: 2, asOf: null)).Select(e => e.Type));
        Assert.Equal(["A1", "A2"], (await log.Store.ReadStreamAsync("a", untilPosition: null, asOf: thirdAt.AddTicks(-10))).Select(e => e.Type));
        Assert.Equal(["A1", "A2", "A3"], (await log.Store.ReadStreamAsync("a", untilPosition: null, asOf: thirdAt)).Select(e => e.Type));
    }

    [Fact]
    public async Task Recorded_times_never_go_backwards_along_the_log_even_when_the_clock_does()
    {
        await using var log = await TestLog.CreateAsync();
        var first = (await log.AppendAsync("a", 0, TestLog.Event("A"))).Events[0];
        log.Clock.Advance(TimeSpan.FromMinutes(-5));

        var second = (await log.AppendAsync("a", 1, TestLog.Event("B"))).Events[0];

        Assert.Equal(first.RecordedAt, second.RecordedAt);
    }

    [Fact]
    public async Task The_feed_reads_all_streams_in_position_order_after_a_position()
    {
        await using var log = await TestLog.CreateAsync();
        for (var i = 0; i < 5; i++)
        {
            await log.AppendAsync($"s{i % 2}", ExpectedVersion.Any, TestLog.Event("E", i));
        }

        var page = await log.Store.ReadAllAsync(afterPosition: 2, limit: 2);

        Assert.Equal([3L, 4L], page.Select(e => e.Position));
        Assert.Equal(4L, (await log.Store.ReadEventAsync(4))!.Position);
        Assert.Null(await log.Store.ReadEventAsync(6));
    }

    [Fact]
    public async Task The_head_holds_the_size_chain_hash_and_Merkle_root_of_the_log()
    {
        await using var log = await TestLog.CreateAsync();
        var range = CompactRange.Empty();
        byte[] chain = [];
        for (var i = 0; i < 11; i++)
        {
            var e = (await log.AppendAsync("s", i, TestLog.Event("E", i))).Events[0];
            range.Append(e.LeafHash);
            chain = e.ChainHash;
        }

        var head = await log.Store.GetHeadAsync();

        Assert.Equal(11, head.TreeSize);
        Assert.Equal(chain, head.ChainHash);
        Assert.Equal(range.Root(), head.RootHash);
        Assert.Equal(head.RootHash, await log.Store.GetRootAsync(11));
    }

    [Fact]
    public async Task Inclusion_and_consistency_proofs_from_the_database_verify_against_the_roots()
    {
        await using var log = await TestLog.CreateAsync();
        for (var i = 0; i < 37; i++)
        {
            await log.AppendAsync($"s{i % 3}", ExpectedVersion.Any, TestLog.Event("E", i));
        }

        foreach (var treeSize in new long[] { 1, 2, 5, 16, 37 })
        {
            var root = await log.Store.GetRootAsync(treeSize);
            for (var position = 1L; position <= treeSize; position++)
            {
                var proof = await log.Store.GetInclusionProofAsync(position, treeSize);
                Assert.Equal(root, proof.RootHash);
                Assert.True(MerkleMath.VerifyInclusion(proof.LeafIndex, treeSize, proof.LeafHash, proof.Path, root), $"{position} in {treeSize}");
            }

            var consistency = await log.Store.GetConsistencyProofAsync(treeSize, 37);
            Assert.True(MerkleMath.VerifyConsistency(treeSize, 37, consistency.FromRoot, consistency.ToRoot, consistency.Path), $"{treeSize} → 37");
        }

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.Store.GetInclusionProofAsync(1, 38));
    }

    [Fact]
    public async Task The_log_rejects_update_delete_and_truncate_even_from_a_superuser()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"));

        foreach (var sql in new[] { "UPDATE registry.events SET type = 'B'", "DELETE FROM registry.events", "TRUNCATE registry.events", "DELETE FROM registry.checkpoints" })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => log.ScalarAsync(sql));
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal(1, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
    }

    [Fact]
    public async Task The_application_role_is_refused_changes_to_the_log_by_its_privileges_before_any_trigger()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"));
        await using var dataSource = AsApplicationRole(log.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();

        foreach (var (sql, table) in new[]
        {
            ("UPDATE registry.events SET type = 'B'", "events"),
            ("DELETE FROM registry.events", "events"),
            ("TRUNCATE registry.events", "events"),
            ("UPDATE registry.checkpoints SET tree_size = 0", "checkpoints"),
            ("DELETE FROM registry.checkpoints", "checkpoints"),
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
            // The privilege check, not the append-only trigger (which raises the same SQLSTATE).
            Assert.Equal($"permission denied for table {table}", error.MessageText);
        }

        Assert.Equal(1, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
    }

    [Fact]
    public async Task The_application_role_appends_through_the_store_and_reads_the_log()
    {
        await using var log = await TestLog.CreateAsync();
        await log.ScalarAsync(StreamCountProjection.CreateTable + "; SELECT 0");
        await using var dataSource = AsApplicationRole(log.ConnectionString);
        // A batched projection, as the host's: the second append takes the one-round-trip path, guard included.
        await using var store = new EventStore(dataSource, [new BatchedStreamCountProjection()], new EventStoreOptions { Origin = "registry.test" }, log.Clock);

        var first = await store.AppendAsync("s", 0, [TestLog.Event("A"), TestLog.Event("B")], TestLog.By());
        var second = await store.AppendAsync("s", 2, [TestLog.Event("C")], TestLog.By());

        Assert.Equal([1L, 2L], Assert.IsType<AppendResult.Appended>(first).Events.Select(e => e.Position));
        Assert.Equal(3L, Assert.IsType<AppendResult.Appended>(second).Events[0].Position);
        Assert.Equal(3, (await store.ReadStreamAsync("s")).Count);
        await using var whoAmI = dataSource.CreateCommand("SELECT current_user");
        Assert.Equal("registry_app", await whoAmI.ExecuteScalarAsync());
        Assert.Equal(3, await log.ScalarAsync("SELECT position FROM registry.log_head"));
        Assert.Equal("s:3:C:3", await StreamCountProjection.SnapshotAsync(log.DataSource));
    }

    /// <summary>Connections that run as registry_app, as the web host's do.</summary>
    private static NpgsqlDataSource AsApplicationRole(string connectionString) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c role=registry_app" }.ConnectionString);

    [Fact]
    public async Task Appends_from_many_callers_at_once_get_dense_positions_and_the_right_versions()
    {
        await using var log = await TestLog.CreateAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => log.Store.AppendAsync($"s{i}", 0, [TestLog.Event("A"), TestLog.Event("B")], TestLog.By())));

        var positions = results.SelectMany(r => Assert.IsType<AppendResult.Appended>(r).Events.Select(e => e.Position)).Order();
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long)i), positions);
        Assert.All(results, r => Assert.Equal([1, 2], ((AppendResult.Appended)r).Events.Select(e => e.Version)));
    }

    [Fact]
    public async Task Appends_waiting_together_are_committed_together_in_fewer_transactions_than_appends()
    {
        await using var log = await TestLog.CreateAsync();
        const int appends = 200;

        // Each call queues its append before returning, so all 200 are waiting long before the first commit ends.
        var results = await Task.WhenAll(Enumerable.Range(0, appends).Select(i => log.Store.AppendAsync($"g{i}", 0, [TestLog.Event("A")], TestLog.By())));

        Assert.All(results, r => Assert.IsType<AppendResult.Appended>(r));
        Assert.Equal(appends, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
        // xmin is the id of the transaction that inserted the row: one per commit.
        var transactions = await log.ScalarAsync("SELECT count(DISTINCT xmin::text::bigint) FROM registry.events");
        Assert.True(transactions < appends / 4, $"{appends} appends were committed in {transactions} transactions");
    }

    [Fact]
    public async Task Values_with_no_canonical_form_are_refused_before_anything_is_written()
    {
        await using var log = await TestLog.CreateAsync();

        await Assert.ThrowsAsync<CanonicalJsonException>(() => log.Store.AppendAsync("s", 0, [new NewEvent("A", new JsonObject { ["x"] = double.NaN })], TestLog.By()));

        Assert.Equal(0, await log.ScalarAsync("SELECT count(*) FROM registry.events"));
    }

    [Fact]
    public async Task An_event_row_is_kept_compressed_in_place_and_reads_back_byte_for_byte()
    {
        await using var log = await TestLog.CreateAsync();
        // Over 2 KB as a row (the payload twice, as envelope and jsonb): PostgreSQL compresses only rows that large.
        var payload = new JsonObject { ["artifact"] = "s3://models/churn/7/model.onnx", ["notes"] = new string('n', 1200) };

        var appended = await log.AppendAsync("s", 0, new NewEvent("VersionRegistered", payload));

        // Both copies of the payload are compressed (migrations/0056), and nothing went to the TOAST table.
        Assert.Equal(1, await log.ScalarAsync("SELECT count(*) FROM registry.events WHERE pg_column_compression(envelope) IS NOT NULL AND pg_column_compression(data) IS NOT NULL"));
        Assert.Equal(1, await log.ScalarAsync("SELECT (pg_column_size(envelope) * 2 < octet_length(envelope))::int FROM registry.events"));
        Assert.Equal(0, await log.ScalarAsync("SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'registry.events'::regclass"));
        var read = Assert.Single(await log.Store.ReadStreamAsync("s"));
        Assert.Equal(appended.Events[0].Envelope, read.Envelope);
        Assert.Equal(1200, read.Data.GetProperty("notes").GetString()!.Length);
    }

    [Fact]
    public async Task A_kept_connection_that_the_server_ended_costs_no_append()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("E"));

        // Ends every other connection to this database, the store's kept one among them, and waits until they are gone.
        Assert.True(await log.ScalarAsync("""
            WITH others AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid())
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM others
            """) >= 1);

        await log.AppendAsync("s", 1, TestLog.Event("E"));
        Assert.Equal(2, (await log.Store.GetHeadAsync()).TreeSize);
    }

    [Fact]
    public async Task One_append_of_more_events_than_an_insert_statement_takes_is_written_whole_and_in_order()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("before", 0, TestLog.Event("E"));

        // 150 events go in as three INSERT statements of one batch (LogTables.RowsPerStatement is 64).
        var appended = await log.AppendAsync("big", 0, [.. Enumerable.Range(0, 150).Select(i => TestLog.Event("E", i))]);

        Assert.Equal(Enumerable.Range(2, 150).Select(p => (long)p), appended.Events.Select(e => e.Position));
        var read = await log.Store.ReadStreamAsync("big");
        Assert.Equal(Enumerable.Range(0, 150), read.Select(e => e.Data.GetProperty("n").GetInt32()));
        Assert.Equal(appended.Events.Select(e => e.ChainHash), read.Select(e => e.ChainHash));
        var verified = await new LogVerifier(log.DataSource).VerifyAsync();
        Assert.True(verified.Ok, verified.Problem);
        Assert.Equal(151, verified.TreeSize);
    }
}
