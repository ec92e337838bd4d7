namespace Registry.EventStore.Tests;

public sealed class VerifyTests
{
    private static async Task<TestLog> LogOfAsync(int events)
    {
        var log = await TestLog.CreateAsync();
        for (var i = 0; i < events; i++)
        {
            await log.AppendAsync($"s{i % 3}", ExpectedVersion.Any, TestLog.Event("E", i));
        }

        return log;
    }

    private static Task<VerificationResult> VerifyAsync(TestLog log) => new LogVerifier(log.DataSource).VerifyAsync();

    [Fact]
    public async Task An_untouched_log_verifies_with_its_head_root()
    {
        await using var log = await LogOfAsync(20);

        var result = await VerifyAsync(log);

        Assert.True(result.Ok, result.Problem);
        Assert.Equal(20, result.TreeSize);
        Assert.Equal((await log.Store.GetHeadAsync()).RootHash, result.RootHash);
    }

    [Fact]
    public async Task An_empty_log_verifies()
    {
        await using var log = await LogOfAsync(0);

        Assert.True((await VerifyAsync(log)).Ok);
    }

    [Fact]
    public async Task Verify_names_the_position_of_a_changed_byte()
    {
        await using var log = await LogOfAsync(20);

        await log.TamperAsync("UPDATE registry.events SET envelope = overlay(envelope placing '\\x58'::bytea from 30 for 1) WHERE position = 13");

        var result = await VerifyAsync(log);
        Assert.False(result.Ok);
        Assert.Equal(13, result.FirstBadPosition);
    }

    [Fact]
    public async Task Verify_names_a_deleted_row()
    {
        await using var log = await LogOfAsync(20);

        await log.TamperAsync("DELETE FROM registry.events WHERE position = 8");

        Assert.Equal(8, (await VerifyAsync(log)).FirstBadPosition);
    }

    [Fact]
    public async Task Verify_names_a_deleted_last_row()
    {
        await using var log = await LogOfAsync(20);

        await log.TamperAsync("DELETE FROM registry.events WHERE position = 20");

        Assert.Equal(20, (await VerifyAsync(log)).FirstBadPosition);
    }

    [Fact]
    public async Task Verify_names_the_first_of_two_swapped_rows()
    {
        await using var log = await LogOfAsync(20);

        await log.TamperAsync("""
            UPDATE registry.events SET position = position + 1000 WHERE position IN (5, 9);
            UPDATE registry.events SET position = 9 WHERE position = 1005;
            UPDATE registry.events SET position = 5 WHERE position = 1009;
            """);

        Assert.Equal(5, (await VerifyAsync(log)).FirstBadPosition);
    }

    [Fact]
    public async Task Verify_names_a_forged_row_appended_behind_the_heads_back()
    {
        await using var log = await LogOfAsync(20);
        // A forger who knows the format: a valid envelope with correct leaf and chain hashes.
        var last = (await log.Store.ReadEventAsync(20))!;
        var envelope = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(last.Envelope).Replace("\"position\":20", "\"position\":21", StringComparison.Ordinal).Replace("\"version\":7", "\"version\":8", StringComparison.Ordinal));
        var leaf = Hashing.LogHash.Leaf(envelope);
        var chain = Hashing.LogHash.Chain(last.ChainHash, leaf);

        await log.TamperAsync($"""
            INSERT INTO registry.events (position, stream, version, type, actor, recorded_at, envelope, data, metadata, leaf_hash, chain_hash, subtree_hashes)
            SELECT 21, stream, 8, type, actor, recorded_at, '\x{Convert.ToHexString(envelope)}', data, metadata, '\x{Convert.ToHexString(leaf)}', '\x{Convert.ToHexString(chain)}', '\x'
            FROM registry.events WHERE position = 20
            """);

        var result = await VerifyAsync(log);
        Assert.False(result.Ok);
        Assert.Equal(21, result.FirstBadPosition);
    }

    [Fact]
    public async Task Verify_names_a_forged_row_inserted_in_the_middle()
    {
        await using var log = await LogOfAsync(20);

        await log.TamperAsync("""
            UPDATE registry.events SET position = position + 1000 WHERE position >= 10;
            UPDATE registry.events SET position = position - 999 WHERE position >= 1010;
            INSERT INTO registry.events (position, stream, version, type, actor, recorded_at, envelope, data, metadata, leaf_hash, chain_hash, subtree_hashes)
            SELECT 10, 'forged', 1, type, 'mallory', recorded_at, envelope, data, metadata, leaf_hash, chain_hash, subtree_hashes FROM registry.events WHERE position = 9;
            """);

        Assert.Equal(10, (await VerifyAsync(log)).FirstBadPosition);
    }

    [Fact]
    public async Task Verify_names_a_changed_query_column_even_when_the_envelope_is_intact()
    {
        await using var log = await LogOfAsync(20);

        await log.TamperAsync("UPDATE registry.events SET actor = 'mallory' WHERE position = 4");

        Assert.Equal(4, (await VerifyAsync(log)).FirstBadPosition);
    }

    [Fact]
    public async Task Verify_names_a_changed_byte_far_into_a_log_read_in_many_blocks()
    {
        await using var log = await TestLog.CreateAsync();
        // About a megabyte of rows: several of the blocks verify reads and checks in parallel.
        for (var batch = 0; batch < 30; batch++)
        {
            await log.AppendAsync($"s{batch}", ExpectedVersion.NoStream, [.. Enumerable.Range(0, 100).Select(i => TestLog.Event("E", i))]);
        }

        Assert.True((await VerifyAsync(log)).Ok);

        await log.TamperAsync("UPDATE registry.events SET envelope = overlay(envelope placing '\\x58'::bytea from 30 for 1) WHERE position = 2500");

        var result = await VerifyAsync(log);
        Assert.False(result.Ok);
        Assert.Equal(2500, result.FirstBadPosition);
        Assert.Equal(2499, result.TreeSize);
    }

    [Fact]
    public async Task Verify_stopped_early_in_a_long_log_leaves_the_database_usable_and_says_the_same_again()
    {
        await using var log = await TestLog.CreateAsync();
        // Ten megabytes of rows: far more than verify reads ahead, so it stops a COPY still running.
        var notes = new string('x', 5000);
        for (var batch = 0; batch < 20; batch++)
        {
            await log.AppendAsync($"s{batch}", ExpectedVersion.NoStream, [.. Enumerable.Range(0, 100).Select(i => new NewEvent("E", new System.Text.Json.Nodes.JsonObject { ["n"] = i, ["notes"] = notes }))]);
        }

        await log.TamperAsync("UPDATE registry.events SET actor = 'mallory' WHERE position = 3");

        Assert.Equal(3, (await VerifyAsync(log)).FirstBadPosition);
        Assert.Equal(3, (await VerifyAsync(log)).FirstBadPosition);
        await log.AppendAsync("after", ExpectedVersion.NoStream, TestLog.Event("E"));
        Assert.Equal(2001, (await log.Store.GetHeadAsync()).TreeSize);
    }

    [Fact]
    public async Task An_event_larger_than_a_read_block_verifies()
    {
        await using var log = await LogOfAsync(3);
        var large = new System.Text.Json.Nodes.JsonObject { ["notes"] = new string('x', 700_000) };
        await log.AppendAsync("large", ExpectedVersion.NoStream, new NewEvent("E", large));
        await log.AppendAsync("large", 1, TestLog.Event("E"));

        var result = await VerifyAsync(log);

        Assert.True(result.Ok, result.Problem);
        Assert.Equal(5, result.TreeSize);
        Assert.Equal((await log.Store.GetHeadAsync()).RootHash, result.RootHash);
    }

    [Fact]
    public async Task An_event_too_large_for_a_page_even_compressed_is_kept_out_of_line_and_verifies()
    {
        await using var log = await LogOfAsync(3);
        // Random bytes do not compress: the row is too large for a page and its payload goes to the TOAST table.
        var noise = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(30_000));
        var appended = await log.AppendAsync("large", ExpectedVersion.NoStream, new NewEvent("E", new System.Text.Json.Nodes.JsonObject { ["noise"] = noise }));

        Assert.True(await log.ScalarAsync("SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'registry.events'::regclass") > 0);
        Assert.Equal(appended.Events[0].Envelope, (await log.Store.ReadEventAsync(4))!.Envelope);
        var result = await VerifyAsync(log);
        Assert.True(result.Ok, result.Problem);
        Assert.Equal(4, result.TreeSize);
    }

    [Fact]
    public async Task Names_that_the_envelope_escapes_or_writes_beyond_ascii_verify_and_a_changed_one_is_found()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("model \"quoted\" \\ tab\t ünïcødé 模型", ExpectedVersion.NoStream, TestLog.Event("Ereignis \"ä\""));
        await log.AppendAsync("plain", ExpectedVersion.NoStream, TestLog.Event("E"));

        var intact = await VerifyAsync(log);
        Assert.True(intact.Ok, intact.Problem);

        await log.TamperAsync("UPDATE registry.events SET stream = 'model \"quoted\" \\ tab\t ünïcødé 模形' WHERE position = 1");

        Assert.Equal(1, (await VerifyAsync(log)).FirstBadPosition);
    }

    [Fact]
    public async Task A_rewrite_that_recomputes_every_hash_is_caught_by_the_checkpoint_that_covered_it()
    {
        await using var log = await LogOfAsync(10);
        var keyPath = Path.Combine(Path.GetTempPath(), $"verify-key-{Guid.NewGuid():N}.pem");
        try
        {
            using var signer = new Checkpoints.CheckpointSigner(log.Store, keyPath, TimeProvider.System);
            await signer.SignAsync();
            await log.AppendAsync("s9", ExpectedVersion.Any, TestLog.Event("After"));

            // Rewrite event 6 and recompute every hash after it, including the head: self-consistent, but not what was signed.
            await RewriteFromAsync(log, 6);

            var result = await VerifyAsync(log);
            Assert.False(result.Ok);
            Assert.Equal(1, result.FirstBadPosition);
            Assert.Contains("checkpoint", result.Problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(keyPath);
        }
    }

    private static async Task RewriteFromAsync(TestLog log, long from)
    {
        var events = await log.Store.ReadAllAsync(0, 1000);
        var range = Merkle.CompactRange.Empty();
        var chain = Hashing.LogHash.GenesisChain;
        foreach (var e in events)
        {
            var envelope = e.Position == from
                ? System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(e.Envelope).Replace("\"actor\":\"alice\"", "\"actor\":\"mallo\"", StringComparison.Ordinal))
                : e.Envelope;
            var leaf = Hashing.LogHash.Leaf(envelope);
            chain = Hashing.LogHash.Chain(chain, leaf);
            var subtrees = range.Append(leaf);
            if (e.Position >= from)
            {
                await log.TamperAsync($"UPDATE registry.events SET envelope = '\\x{Convert.ToHexString(envelope)}', actor = '{(e.Position == from ? "mallo" : e.Actor)}', leaf_hash = '\\x{Convert.ToHexString(leaf)}', chain_hash = '\\x{Convert.ToHexString(chain)}', subtree_hashes = '\\x{Convert.ToHexString(subtrees)}' WHERE position = {e.Position}");
            }
        }

        await log.TamperAsync($"UPDATE registry.log_head SET chain_hash = '\\x{Convert.ToHexString(chain)}', frontier = '\\x{Convert.ToHexString(range.ToBytes())}'");
    }
}
