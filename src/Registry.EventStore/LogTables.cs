// The SQL of the log tables, kept together so the statements can be reviewed side by side with
// migrations/0001_event_log.sql.
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Registry.EventStore.Hashing;
using Registry.EventStore.Merkle;

namespace Registry.EventStore;

/// <summary>The head row: last position, its chain hash, the Merkle frontier and the last recorded time.</summary>
internal sealed record HeadState(long Position, byte[] ChainHash, CompactRange Range, DateTimeOffset? RecordedAt)
{
    /// <summary>
    /// SQL: the version of stream <c>s.stream</c>, null when it has no events. One backward index probe
    /// (a GROUP BY max() would read every event of the stream).
    /// </summary>
    public const string LatestVersionOfStream = "(SELECT e.version FROM registry.events e WHERE e.stream = s.stream ORDER BY e.version DESC LIMIT 1)";

    private const string Select = "SELECT position, chain_hash, frontier, recorded_at FROM registry.log_head";

    public static async Task<HeadState> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(forUpdate ? Select + " FOR UPDATE" : Select, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadRowAsync(reader, cancellationToken);
    }

    /// <summary>The current version of each stream that has events (exact with the head locked; otherwise to be checked under the lock).</summary>
    public static async Task<Dictionary<string, int>> StreamVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] streams, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT s.stream, {LatestVersionOfStream}
            FROM unnest($1::text[]) AS s(stream)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streams });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(1))
            {
                result[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        return result;
    }

    private static async Task<HeadState> ReadRowAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidDataException("registry.log_head has no row: the database is not migrated");
        }

        var position = reader.GetInt64(0);
        return new HeadState(
            position,
            reader.GetFieldValue<byte[]>(1),
            CompactRange.FromBytes(position, reader.GetFieldValue<byte[]>(2)),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3));
    }
}

/// <summary>One event as inserted: the stored event plus its canonical data/metadata (for the jsonb copies) and Merkle nodes.</summary>
internal sealed record EventRow(StoredEvent Event, byte[] Data, byte[] Metadata, byte[] SubtreeHashes);

internal static class EventRows
{
    /// <summary>
    /// Inserts the rows, moves the head, notifies listeners (delivered at commit) and runs what
    /// <paramref name="alsoRun"/> adds (the batched projections' statements), in one round trip.
    /// </summary>
    public static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<EventRow> rows, HeadState newHead, Action<NpgsqlBatch> alsoRun, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddRows(batch, rows);
        var head = new NpgsqlBatchCommand("UPDATE registry.log_head SET position = $1, chain_hash = $2, frontier = $3, recorded_at = $4");
        AddHeadParameters(head, newHead);
        batch.BatchCommands.Add(head);
        var notify = new NpgsqlBatchCommand($"SELECT pg_notify('{EventStore.NotificationChannel}', $1)");
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = newHead.Position.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        batch.BatchCommands.Add(notify);
        alsoRun(batch);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> the guard of the one-round-trip path (migrations/0057): one
    /// UPDATE takes the head lock and moves the head to <paramref name="newHead"/> only if it has
    /// <paramref name="expectedChain"/>, queuing the notification (delivered at commit), else aborts
    /// the transaction (RGH01); then, a statement of its own so that under READ COMMITTED it sees every
    /// append committed before the lock was granted, each of <paramref name="assumed"/> must stand at
    /// its version (RGS01; one backward index probe per stream, as in the locking path).
    /// </summary>
    public static void AddGuardedHeadMove(NpgsqlBatch batch, byte[] expectedChain, IReadOnlyDictionary<string, int> assumed, HeadState newHead)
    {
        var guard = new NpgsqlBatchCommand($"""
            WITH moved AS (
                UPDATE registry.log_head SET position = $2, chain_hash = $3, frontier = $4, recorded_at = $5
                WHERE chain_hash = $1
                RETURNING position)
            SELECT CASE WHEN EXISTS (SELECT FROM moved)
                THEN pg_notify('{EventStore.NotificationChannel}', $2::text)
                ELSE registry.refuse_batch('{EventStore.HeadMovedState}', 'the log head is not the one this batch was built on') END
            """);
        guard.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = expectedChain });
        AddHeadParameters(guard, newHead);
        batch.BatchCommands.Add(guard);
        if (assumed.Count == 0)
        {
            return;
        }

        var streams = new NpgsqlBatchCommand($"""
            SELECT registry.refuse_batch('{EventStore.StreamMovedState}', format('stream %s is not at the version this batch assumed', s.stream))
            FROM unnest($1::text[], $2::int[]) AS s(stream, version)
            WHERE coalesce({HeadState.LatestVersionOfStream}, 0) <> s.version
            LIMIT 1
            """);
        streams.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. assumed.Keys] });
        streams.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. assumed.Values] });
        batch.BatchCommands.Add(streams);
    }

    // Rows per INSERT statement. Each row reads its values from the statement's arrays by subscript,
    // which walks a variable-length array from its start: quadratic in the rows of one statement, so
    // a large batch is sent as several statements of this many rows.
    private const int RowsPerStatement = 64;

    /// <summary>Adds to <paramref name="batch"/> the statements that insert the rows (one per <see cref="RowsPerStatement"/> rows).</summary>
    public static void AddRows(NpgsqlBatch batch, IReadOnlyList<EventRow> rows)
    {
        for (var first = 0; first < rows.Count; first += RowsPerStatement)
        {
            AddRowsStatement(batch, rows, first, Math.Min(RowsPerStatement, rows.Count - first));
        }
    }

    private static void AddRowsStatement(NpgsqlBatch batch, IReadOnlyList<EventRow> rows, int first, int n)
    {
        var positions = new long[n];
        var streams = new string[n];
        var versions = new int[n];
        var types = new string[n];
        var actors = new string[n];
        var times = new DateTime[n];
        var envelopes = new byte[n][];
        var data = new string[n];
        var metadata = new string[n];
        var leaves = new byte[n][];
        var chains = new byte[n][];
        var subtrees = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            var row = rows[first + i];
            var e = row.Event;
            positions[i] = e.Position;
            streams[i] = e.Stream;
            versions[i] = e.Version;
            types[i] = e.Type;
            actors[i] = e.Actor;
            times[i] = e.RecordedAt.UtcDateTime;
            envelopes[i] = e.Envelope;
            data[i] = Encoding.UTF8.GetString(row.Data);
            metadata[i] = Encoding.UTF8.GetString(row.Metadata);
            leaves[i] = e.LeafHash;
            chains[i] = e.ChainHash;
            subtrees[i] = row.SubtreeHashes;
        }

        // By subscript rather than unnest(): unnest() first copies every row into a tuplestore that
        // lives until the statement ends, and with the row's compressed copies (migration 0056) that
        // grew the statement's memory past the point where the server's malloc gives it back to the
        // system and takes it again for every batch (a fifth of the backend's time in perf).
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO registry.events (position, stream, version, type, actor, recorded_at, envelope, data, metadata, leaf_hash, chain_hash, subtree_hashes)
            SELECT ($1::bigint[])[i], ($2::text[])[i], ($3::int[])[i], ($4::text[])[i], ($5::text[])[i], ($6::timestamptz[])[i], ($7::bytea[])[i],
                   (($8::text[])[i])::jsonb, (($9::text[])[i])::jsonb, ($10::bytea[])[i], ($11::bytea[])[i], ($12::bytea[])[i]
            FROM generate_subscripts($1::bigint[], 1) AS i
            """);
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = positions });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streams });
        insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = versions });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = actors });
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = times, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = envelopes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = data });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = metadata });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = leaves, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = chains, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = subtrees, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        batch.BatchCommands.Add(insert);
    }

    /// <summary>The new head's position, chain hash, Merkle frontier and recorded time, as the next four parameters.</summary>
    private static void AddHeadParameters(NpgsqlBatchCommand command, HeadState newHead)
    {
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = newHead.Position });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = newHead.ChainHash });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = newHead.Range.ToBytes() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = newHead.RecordedAt is { } t ? t.UtcDateTime : DBNull.Value });
    }
}

internal static class MerkleNodes
{
    /// <summary>
    /// Reads the hashes of perfect-subtree nodes of the tree of <paramref name="treeSize"/> leaves in one
    /// round trip: the rows that store them, and the head, which says whether the log holds such a tree.
    /// A proof is thus one query of O(log n) primary-key reads, whatever the size of the log.
    /// </summary>
    public static async Task<Dictionary<MerkleNode, byte[]>> ReadAsync(NpgsqlDataSource dataSource, long treeSize, IEnumerable<MerkleNode> nodes, CancellationToken cancellationToken)
    {
        var wanted = nodes.Distinct().ToList();
        var positions = wanted.Select(n => n.StoredAtPosition).Distinct().ToArray();
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT position FROM registry.log_head"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT position, leaf_hash, subtree_hashes FROM registry.events WHERE position = ANY($1)")
        {
            Parameters = { new NpgsqlParameter<long[]> { TypedValue = positions } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var head = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : throw new InvalidDataException("registry.log_head has no row; run migrations");
        if (treeSize < 0 || treeSize > head)
        {
            throw new ArgumentOutOfRangeException(nameof(treeSize), $"the log holds {head} events; there is no tree of {treeSize}");
        }

        await reader.NextResultAsync(cancellationToken);
        var rows = new Dictionary<long, (byte[] Leaf, byte[] Subtrees)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows[reader.GetInt64(0)] = (reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2));
        }

        var result = new Dictionary<MerkleNode, byte[]>();
        foreach (var node in wanted)
        {
            if (!rows.TryGetValue(node.StoredAtPosition, out var row))
            {
                throw new InvalidDataException($"position {node.StoredAtPosition} is missing from the log; run verify");
            }

            if (node.Level == 0)
            {
                result[node] = row.Leaf;
            }
            else if (row.Subtrees.Length >= node.StoredAtOffset + LogHash.Size)
            {
                result[node] = row.Subtrees.AsSpan(node.StoredAtOffset, LogHash.Size).ToArray();
            }
            else
            {
                throw new InvalidDataException($"position {node.StoredAtPosition} lacks the Merkle node of level {node.Level}; run verify");
            }
        }

        return result;
    }

    /// <summary>The nodes whose hashes make up the root of a tree of <paramref name="treeSize"/> leaves (none for the empty tree).</summary>
    public static IReadOnlyList<MerkleNode> OfRoot(long treeSize) =>
        treeSize > 0 ? MerkleMath.Decompose(new LeafRange(0, treeSize)) : [];

    public static byte[] Root(long treeSize, IReadOnlyDictionary<MerkleNode, byte[]> hashes) =>
        treeSize > 0 ? RangeHash(new LeafRange(0, treeSize), hashes) : LogHash.EmptyRoot;

    public static byte[] RangeHash(LeafRange range, IReadOnlyDictionary<MerkleNode, byte[]> hashes) =>
        MerkleMath.FoldRight([.. MerkleMath.Decompose(range).Select(n => hashes[n])]);
}

/// <summary>
/// Stream versions as of a chain hash. The chain hash names the whole log, so when the locked head
/// still has the hash this process last committed, no one else appended and the cached versions
/// are exact; any other head empties the cache. Updated just before a locking-path commit and just
/// after a one-round-trip commit: if a commit fails, the head never gets the new hash and the
/// entries are simply never trusted.
/// </summary>
internal sealed class StreamVersionCache
{
    private const int Capacity = 100_000;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _versions = new(StringComparer.Ordinal);
    private byte[] _chain = [];

    public (Dictionary<string, int> Known, List<string> Missing) Lookup(byte[] headChain, IReadOnlyList<string> streams)
    {
        var known = new Dictionary<string, int>(StringComparer.Ordinal);
        var missing = new List<string>();
        lock (_lock)
        {
            SyncTo(headChain);
            foreach (var stream in streams)
            {
                if (_versions.TryGetValue(stream, out var version))
                {
                    known[stream] = version;
                }
                else
                {
                    missing.Add(stream);
                }
            }
        }

        return (known, missing);
    }

    public void Learn(byte[] headChain, IReadOnlyList<string> streams, IReadOnlyDictionary<string, int> read)
    {
        lock (_lock)
        {
            if (!_chain.AsSpan().SequenceEqual(headChain))
            {
                return;
            }

            foreach (var stream in streams)
            {
                _versions[stream] = read.GetValueOrDefault(stream);
            }
        }
    }

    public void Advance(byte[] fromChain, byte[] toChain, IReadOnlyDictionary<string, int> changed)
    {
        lock (_lock)
        {
            SyncTo(fromChain);
            if (_versions.Count > Capacity)
            {
                _versions.Clear();
            }

            foreach (var (stream, version) in changed)
            {
                _versions[stream] = version;
            }

            _chain = toChain;
        }
    }

    private void SyncTo(byte[] chain)
    {
        if (!_chain.AsSpan().SequenceEqual(chain))
        {
            _versions.Clear();
            _chain = chain;
        }
    }
}
