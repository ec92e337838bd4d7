// The queries of docs/event-store.md, "Verify with SQL alone", run as an auditor would run them.
using Npgsql;
using Registry.EventStore.Hashing;

namespace Registry.EventStore.Tests;

public sealed class VerifyWithSqlTests
{
    private const string Missing = """
        SELECT p AS missing FROM generate_series(1, (SELECT position FROM registry.log_head)) p
        EXCEPT SELECT position FROM registry.events ORDER BY 1 LIMIT 1
        """;

    private const string Leaves = "SELECT position FROM registry.events WHERE leaf_hash <> sha256('\\x00'::bytea || envelope) ORDER BY position LIMIT 1";

    private const string Chain = """
        SELECT position FROM (
          SELECT position, leaf_hash, chain_hash,
                 lag(chain_hash, 1, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) OVER (ORDER BY position) AS previous
          FROM registry.events) e
        WHERE chain_hash <> sha256(previous || leaf_hash) ORDER BY position LIMIT 1
        """;

    private const string Nodes = """
        WITH nodes AS (
          SELECT position, 0 AS level, leaf_hash AS hash FROM registry.events
          UNION ALL
          SELECT e.position, l, substring(e.subtree_hashes FROM (l - 1) * 32 + 1 FOR 32)
          FROM registry.events e, generate_series(1, length(e.subtree_hashes) / 32) l)
        SELECT n.position FROM nodes n
        JOIN nodes lft ON lft.level = n.level - 1 AND lft.position = n.position - (1::bigint << (n.level - 1))
        JOIN nodes rgt ON rgt.level = n.level - 1 AND rgt.position = n.position
        WHERE n.level > 0 AND n.hash <> sha256('\x01'::bytea || lft.hash || rgt.hash)
        ORDER BY n.position LIMIT 1
        """;

    private const string Root = """
        WITH RECURSIVE parts AS (
          SELECT row_number() OVER (ORDER BY b DESC) AS k, b AS level,
                 sum(1::bigint << b) OVER (ORDER BY b DESC) AS end_position
          FROM generate_series(62, 0, -1) b WHERE ($1::bigint >> b) & 1 = 1),
        hashes AS (
          SELECT p.k, CASE WHEN p.level = 0 THEN e.leaf_hash ELSE substring(e.subtree_hashes FROM (p.level - 1) * 32 + 1 FOR 32) END AS hash
          FROM parts p JOIN registry.events e ON e.position = p.end_position),
        fold AS (
          SELECT k, hash FROM hashes WHERE k = (SELECT max(k) FROM hashes)
          UNION ALL
          SELECT h.k, sha256('\x01'::bytea || h.hash || f.hash) FROM fold f JOIN hashes h ON h.k = f.k - 1)
        SELECT encode(hash, 'hex') AS root FROM fold WHERE k = 1
        """;

    private static async Task<TestLog> LogOfAsync(int events)
    {
        var log = await TestLog.CreateAsync();
        for (var i = 0; i < events; i++)
        {
            await log.AppendAsync($"s{i % 4}", ExpectedVersion.Any, TestLog.Event("E", i));
        }

        return log;
    }

    private static async Task<object?> FirstAsync(TestLog log, string sql, long? n = null)
    {
        await using var command = log.DataSource.CreateCommand(sql);
        if (n is { } size)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = size });
        }

        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task On_an_intact_log_every_query_finds_nothing_and_the_roots_match_the_store()
    {
        await using var log = await LogOfAsync(45);

        foreach (var sql in new[] { Missing, Leaves, Chain, Nodes })
        {
            Assert.Null(await FirstAsync(log, sql));
        }

        foreach (var n in new long[] { 1, 2, 3, 7, 8, 32, 45 })
        {
            Assert.Equal(LogHash.ToHex(await log.Store.GetRootAsync(n)), await FirstAsync(log, Root, n));
        }
    }

    [Fact]
    public async Task The_queries_name_the_tampered_positions()
    {
        await using var log = await LogOfAsync(45);

        await log.TamperAsync("UPDATE registry.events SET envelope = overlay(envelope placing '\\x58'::bytea from 40 for 1) WHERE position = 30");
        Assert.Equal(30L, await FirstAsync(log, Leaves));

        await log.TamperAsync("UPDATE registry.events SET leaf_hash = sha256('\\x00'::bytea || envelope) WHERE position = 30");
        Assert.Null(await FirstAsync(log, Leaves));
        Assert.Equal(30L, await FirstAsync(log, Chain));
        Assert.Equal(30L, await FirstAsync(log, Nodes));

        await log.TamperAsync("DELETE FROM registry.events WHERE position = 12");
        Assert.Equal(12L, await FirstAsync(log, Missing));
    }
}
