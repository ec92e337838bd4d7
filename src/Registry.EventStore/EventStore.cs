// The log. Appends go through one writer loop per process that commits every append waiting at
// that moment in a single transaction (group commit): under the head lock it checks each append's
// expected version against the stream's actual version (before anything is written), numbers and
// hashes the accepted events, inserts them, moves the head, applies the inline projections and
// commits. A conflict is a result for that append alone; an append whose projection fails is
// retried alone so it cannot take the others in its batch down with it. Everything between taking
// the head lock and committing is time no other append can commit, so when this process knows the
// head (it committed the last batch itself) the batch is built on that head before the lock is taken
// and sent as one round trip whose first statement takes the lock and checks the head (the guard);
// otherwise, or when the guard finds another head, the locking path reads head and versions first.
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using Registry.EventStore.Hashing;
using Registry.EventStore.Merkle;

namespace Registry.EventStore;

public sealed class EventStore : IAsyncDisposable
{
    public const string NotificationChannel = "registry_events";

    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyList<IProjection> _projections;
    private readonly TimeProvider _time;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task _committer;
    private readonly StreamVersionCache _versions = new();
    private readonly bool _allBatched;

    // The guard's SQLSTATEs (EventRows.AddGuardedHeadMove, migrations/0057_head_guard_in_sql.sql).
    internal const string HeadMovedState = "RGH01";
    internal const string StreamMovedState = "RGS01";

    // How long a batch waits for the callers of the last one to append again: a fraction of a round trip.
    private static readonly TimeSpan GatherFor = TimeSpan.FromMicroseconds(200);

    // How long the committer keeps its connection unused before giving it back to the pool, which
    // then prunes it or checks it; past this a server or firewall may have closed it.
    private static readonly TimeSpan KeepConnectionFor = TimeSpan.FromSeconds(30);

    // The head as this process last committed it: the prediction the next batch is built on; null
    // when unknown (at start, after a failure). Only the committer reads and writes it.
    private HeadState? _head;

    // The committer's own connection, kept from batch to batch: a connection taken from the pool
    // anew is reset first (seven statements the server parses and runs before the batch), which
    // cost each batch as much as its guard. Given back after any failure and when left unused.
    private NpgsqlConnection? _connection;
    private long _connectionUsedAt;

    public EventStore(NpgsqlDataSource dataSource, IEnumerable<IProjection> projections, EventStoreOptions options, TimeProvider timeProvider)
    {
        _dataSource = dataSource;
        _projections = [.. projections];
        Options = options;
        _time = timeProvider;
        _allBatched = _projections.All(p => p is IBatchedProjection);
        _committer = Task.Run(RunCommitterAsync);
    }

    public EventStoreOptions Options { get; }

    public NpgsqlDataSource DataSource => _dataSource;

    public IReadOnlyList<IProjection> Projections => _projections;

    /// <summary>
    /// Appends events to a stream if its version is <paramref name="expectedVersion"/> (0 = new stream,
    /// <see cref="ExpectedVersion.Any"/> = no check). All or nothing; the projections see them in the same transaction.
    /// </summary>
    public Task<AppendResult> AppendAsync(string stream, int expectedVersion, IReadOnlyList<NewEvent> events, AppendMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentException.ThrowIfNullOrEmpty(metadata.Actor, nameof(metadata));
        ArgumentException.ThrowIfNullOrEmpty(metadata.CorrelationId, nameof(metadata));
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedVersion, ExpectedVersion.Any);
        if (events.Count == 0)
        {
            throw new ArgumentException("an append needs at least one event", nameof(events));
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Canonicalize, and read back what the stored events will show, on the caller's thread: the
        // work spreads over callers instead of adding to every batch's turn on the one committer, and a
        // value with no canonical form is the caller's error, not the batch's.
        var data = new byte[events.Count][];
        var dataRead = new JsonElement[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            ArgumentException.ThrowIfNullOrEmpty(events[i].Type, nameof(events));
            data[i] = CanonicalJson.Serialize(events[i].Data);
            dataRead[i] = JsonSerializer.Deserialize<JsonElement>(data[i]);
        }

        var canonicalMetadata = Envelope.Metadata(metadata);
        var pending = new PendingAppend(stream, expectedVersion, events, metadata.Actor, data, dataRead, canonicalMetadata, JsonSerializer.Deserialize<JsonElement>(canonicalMetadata), cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(EventStore));
        }

        return pending.Completion.Task;
    }

    public Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string stream, CancellationToken cancellationToken = default) =>
        ReadStreamAsync(stream, untilPosition: null, asOf: null, cancellationToken);

    /// <summary>A stream's events as it stood at a position and/or a time (both inclusive): for "as of" views.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string stream, long? untilPosition, DateTimeOffset? asOf, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT envelope, leaf_hash, chain_hash FROM registry.events
            WHERE stream = $1 AND ($2::bigint IS NULL OR position <= $2) AND ($3::timestamptz IS NULL OR recorded_at <= $3)
            ORDER BY version
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)untilPosition ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = asOf is { } t ? t.UtcDateTime : DBNull.Value });
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>A stream's events after a version, in version order: what a state folded up to that version lacks.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAfterAsync(string stream, int afterVersion, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT envelope, leaf_hash, chain_hash FROM registry.events WHERE stream = $1 AND version > $2 ORDER BY version");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = afterVersion });
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>The feed: up to <paramref name="limit"/> events after a position, in position order.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var command = _dataSource.CreateCommand("SELECT envelope, leaf_hash, chain_hash FROM registry.events WHERE position > $1 ORDER BY position LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>One event by position, or null past the end.</summary>
    public async Task<StoredEvent?> ReadEventAsync(long position, CancellationToken cancellationToken = default)
    {
        var events = await ReadAllAsync(position - 1, 1, cancellationToken);
        return events.Count == 1 && events[0].Position == position ? events[0] : null;
    }

    /// <summary>The stream's current version (0 when it has no events).</summary>
    public async Task<int> GetStreamVersionAsync(string stream, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT coalesce((SELECT version FROM registry.events WHERE stream = $1 ORDER BY version DESC LIMIT 1), 0)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<LogHead> GetHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var head = await HeadState.ReadAsync(connection, null, forUpdate: false, cancellationToken);
        return new LogHead(head.Position, head.Range.Root(), head.ChainHash, head.RecordedAt);
    }

    /// <summary>The Merkle root of the log's first <paramref name="treeSize"/> events (any size up to the head).</summary>
    public async Task<byte[]> GetRootAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        var hashes = await MerkleNodes.ReadAsync(_dataSource, treeSize, MerkleNodes.OfRoot(treeSize), cancellationToken);
        return MerkleNodes.Root(treeSize, hashes);
    }

    public async Task<InclusionProof> GetInclusionProofAsync(long position, long treeSize, CancellationToken cancellationToken = default)
    {
        if (position < 1 || position > treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(position), $"position {position} is not in a tree of {treeSize} events");
        }

        var leaf = new MerkleNode(0, position - 1);
        var ranges = MerkleMath.InclusionRanges(position - 1, treeSize);
        var hashes = await MerkleNodes.ReadAsync(_dataSource, treeSize, [.. ranges.SelectMany(MerkleMath.Decompose), .. MerkleNodes.OfRoot(treeSize), leaf], cancellationToken);
        return new InclusionProof(
            position - 1,
            treeSize,
            hashes[leaf],
            [.. ranges.Select(r => MerkleNodes.RangeHash(r, hashes))],
            MerkleNodes.Root(treeSize, hashes));
    }

    public async Task<ConsistencyProof> GetConsistencyProofAsync(long fromSize, long toSize, CancellationToken cancellationToken = default)
    {
        if (fromSize < 0 || fromSize > toSize)
        {
            throw new ArgumentOutOfRangeException(nameof(fromSize), $"no consistency proof from {fromSize} to {toSize}");
        }

        var ranges = MerkleMath.ConsistencyRanges(fromSize, toSize);
        var hashes = await MerkleNodes.ReadAsync(
            _dataSource, toSize, [.. ranges.SelectMany(MerkleMath.Decompose), .. MerkleNodes.OfRoot(fromSize), .. MerkleNodes.OfRoot(toSize)], cancellationToken);
        return new ConsistencyProof(
            fromSize,
            toSize,
            [.. ranges.Select(r => MerkleNodes.RangeHash(r, hashes))],
            MerkleNodes.Root(fromSize, hashes),
            MerkleNodes.Root(toSize, hashes));
    }

    /// <summary>
    /// Empties the projections (all, or those named) and replays the whole log into them in one
    /// transaction, holding the head lock so no append interleaves. Returns the number of events replayed.
    /// </summary>
    public async Task<long> RebuildProjectionsAsync(IReadOnlyCollection<string>? names = null, CancellationToken cancellationToken = default)
    {
        var selected = names is null ? _projections : [.. _projections.Where(p => names.Contains(p.Name))];
        if (names is not null && selected.Count != names.Count)
        {
            var unknown = names.Except(_projections.Select(p => p.Name));
            throw new ArgumentException($"unknown projection(s): {string.Join(", ", unknown)}", nameof(names));
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var head = await HeadState.ReadAsync(connection, transaction, forUpdate: true, cancellationToken);
        foreach (var projection in selected)
        {
            await projection.ResetAsync(connection, transaction, cancellationToken);
        }

        var after = 0L;
        while (after < head.Position)
        {
            await using var command = new NpgsqlCommand("SELECT envelope, leaf_hash, chain_hash FROM registry.events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT 5000", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head.Position });
            var page = await ReadEventsAsync(command, cancellationToken);
            if (page.Count == 0)
            {
                throw new InvalidDataException($"the log ends at position {after} but its head says {head.Position}; run verify");
            }

            foreach (var projection in selected)
            {
                await projection.ApplyAsync(connection, transaction, page, cancellationToken);
            }

            after = page[^1].Position;
        }

        await transaction.CommitAsync(cancellationToken);
        return after;
    }

    /// <summary>
    /// Every event after a position, then each new one as it is committed, woken by LISTEN/NOTIFY
    /// (with a slow poll as a safety net). Survives the database restarting; ends when cancelled.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> SubscribeAsync(long afterPosition, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = afterPosition;
        while (!cancellationToken.IsCancellationRequested)
        {
            NpgsqlConnection? listener = null;
            try
            {
                listener = await _dataSource.OpenConnectionAsync(cancellationToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {NotificationChannel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
            {
                if (listener is not null)
                {
                    await listener.DisposeAsync();
                }

                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken);
                continue;
            }

            await using (listener)
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    IReadOnlyList<StoredEvent> page;
                    try
                    {
                        page = await ReadAllAsync(after, 500, cancellationToken);
                        if (page.Count == 0)
                        {
                            await listener.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                            continue;
                        }
                    }
                    catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
                    {
                        break; // reconnect and listen again
                    }

                    foreach (var e in page)
                    {
                        yield return e;
                        after = e.Position;
                    }
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _committer;
        await ReleaseConnectionAsync();
    }

    internal static async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(Envelope.Read(reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
        }

        return events;
    }

    // One committer takes whatever is queued, commits it as one batch (group commit) and only then
    // takes the next. Whenever it knows the head (it committed the last batch itself), a batch costs
    // one round trip: numbered and hashed on that head, it is sent as one implicit transaction whose
    // first statement takes the head lock and aborts everything unless the head is the predicted one,
    // so the lock is held only while the database executes the batch and flushes its commit. Otherwise
    // (at start, after a failure, when another process appended, when a projection is not batched) it
    // takes the locking path: lock and read the head, read the versions it does not know, insert,
    // commit; the head it committed becomes the next prediction.
    private async Task RunCommitterAsync()
    {
        var reader = _queue.Reader;
        var previous = 0;
        while (await reader.WaitToReadAsync())
        {
            // The callers whose appends the last batch completed often append again at once (a writer
            // with one append outstanding): their continuations are queued on the thread pool, so
            // yielding for a moment lets those next appends join this batch instead of the next one.
            var waited = Stopwatch.GetTimestamp();
            while (reader.Count < previous && Stopwatch.GetElapsedTime(waited) < GatherFor)
            {
                await Task.Yield();
            }

            var batch = Drain();
            if (batch.Count == 0)
            {
                continue;
            }

            previous = batch.Count;
            try
            {
                await CommitAsync(batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A fault of the store itself: fail this batch rather than the loop every later append waits on.
                _head = null;
                await ReleaseConnectionAsync();
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(e);
                }
            }
        }
    }

    private async Task CommitAsync(IReadOnlyList<PendingAppend> batch)
    {
        var kept = _connection is not null;
        var failure = await TryCommitAsync(batch);
        if (failure is { Kind: FailureKind.Unavailable } && kept)
        {
            // Nothing was committed on a connection kept from an earlier batch: the server may have
            // closed it meanwhile (restarted, or ended it as idle). Once more on a fresh one.
            await ReleaseConnectionAsync();
            failure = await TryCommitAsync(batch);
        }

        if (failure is not null)
        {
            await ReleaseConnectionAsync();
            await HandleFailureAsync(batch, failure);
        }
    }

    private async Task<Failure?> TryCommitAsync(IReadOnlyList<PendingAppend> batch)
    {
        var (takeLock, failure) = _head is { } predicted && _allBatched
            ? await TryCommitOnPredictedHeadAsync(predicted, batch)
            : (true, null);
        return takeLock ? await TryCommitLockingAsync(batch) : failure;
    }

    /// <summary>The committer's connection: the one it used last, unless that is closed, broken or was left unused too long.</summary>
    private async Task<NpgsqlConnection> ConnectionAsync()
    {
        if (_connection is { State: System.Data.ConnectionState.Open } kept && Stopwatch.GetElapsedTime(_connectionUsedAt) < KeepConnectionFor)
        {
            _connectionUsedAt = Stopwatch.GetTimestamp();
            return kept;
        }

        await ReleaseConnectionAsync();
        _connection = await _dataSource.OpenConnectionAsync();
        _connectionUsedAt = Stopwatch.GetTimestamp();
        return _connection;
    }

    private async Task ReleaseConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    private async Task HandleFailureAsync(IReadOnlyList<PendingAppend> batch, Failure failure)
    {
        if (failure.Kind == FailureKind.Rejected && batch.Count > 1)
        {
            // Something in the batch failed in the database or in a projection. Nothing was
            // committed; give each append its own transaction so only the culprit fails.
            foreach (var pending in batch)
            {
                await CommitAsync([pending]);
            }

            return;
        }

        var error = failure.Kind switch
        {
            FailureKind.Unavailable => new EventStoreUnavailableException($"The event store's database is unavailable ({failure.Exception.Message}); nothing was appended. Retry later.", outcomeUnknown: false, failure.Exception),
            FailureKind.CommitUnknown => new EventStoreUnavailableException($"The connection to the event store's database failed while committing ({failure.Exception.Message}); the append may or may not have been recorded. Read the stream before retrying.", outcomeUnknown: true, failure.Exception),
            _ => failure.Exception,
        };
        foreach (var pending in batch)
        {
            pending.Completion.TrySetException(error);
        }
    }

    private List<PendingAppend> Drain()
    {
        var batch = new List<PendingAppend>();
        var events = 0;
        while (batch.Count < Options.MaxBatchAppends && events < Options.MaxBatchEvents && _queue.Reader.TryRead(out var next))
        {
            if (next.CancellationToken.IsCancellationRequested)
            {
                next.Completion.TrySetCanceled(next.CancellationToken);
                continue;
            }

            batch.Add(next);
            events += next.Events.Count;
        }

        return batch;
    }

    /// <summary>
    /// The one-round-trip path. Returns takeLock when the batch must go the locking path instead: the
    /// guard found another head (another process appended, or a commit of unknown outcome) or a stream
    /// at another version than assumed, or the batch holds only conflicts (no write would prove them).
    /// </summary>
    private async Task<(bool TakeLock, Failure? Failure)> TryCommitOnPredictedHeadAsync(HeadState predicted, IReadOnlyList<PendingAppend> batch)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await ConnectionAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (false, NothingCommitted(e));
        }

        // Versions cached for the predicted head are exact if the head is the predicted one, which
        // the guard proves under the lock. A stream not cached is assumed at the version its first
        // append expects (or read now, without the lock, when that is "any"); the guard checks those.
        var streams = batch.Select(p => p.Stream).Distinct(StringComparer.Ordinal).ToList();
        var (versions, missing) = _versions.Lookup(predicted.ChainHash, streams);
        var assumed = new Dictionary<string, int>(StringComparer.Ordinal);
        if (missing.Count > 0)
        {
            var unknown = new List<string>();
            foreach (var pending in batch)
            {
                if (missing.Contains(pending.Stream) && !assumed.ContainsKey(pending.Stream) && !unknown.Contains(pending.Stream))
                {
                    if (pending.ExpectedVersion == ExpectedVersion.Any)
                    {
                        unknown.Add(pending.Stream);
                    }
                    else
                    {
                        assumed[pending.Stream] = pending.ExpectedVersion;
                    }
                }
            }

            if (unknown.Count > 0)
            {
                try
                {
                    var read = await HeadState.StreamVersionsAsync(connection, null, [.. unknown], CancellationToken.None);
                    unknown.ForEach(s => assumed[s] = read.GetValueOrDefault(s));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    return (false, NothingCommitted(e));
                }
            }

            foreach (var (stream, version) in assumed)
            {
                versions[stream] = version;
            }
        }

        var prepared = Prepare(predicted, batch, versions);
        if (prepared.Rows.Count == 0)
        {
            return (true, null);
        }

        // No transaction: the batch is one implicit transaction, committed at its end or not at all.
        await using var command = new NpgsqlBatch(connection);
        EventRows.AddGuardedHeadMove(command, predicted.ChainHash, assumed, prepared.Head);
        EventRows.AddRows(command, prepared.Rows);
        try
        {
            var events = prepared.Rows.ConvertAll(r => r.Event);
            foreach (var projection in _projections)
            {
                ((IBatchedProjection)projection).AddTo(command, events);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (false, NothingCommitted(e)); // a projection refused the events before anything was sent
        }

        var answered = false;
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            answered = true;
            while (await reader.NextResultAsync())
            {
            }
        }
        catch (PostgresException e) when (e.SqlState is HeadMovedState or StreamMovedState)
        {
            _head = null;
            return (true, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An ERROR answers a statement, and any statement's error aborts the transaction; so
            // does any error that is the database's first answer (the guard comes first). Anything
            // else (a broken connection, a FATAL after the last statement) may follow the commit.
            _head = null;
            return (false, e is PostgresException { InvariantSeverity: "ERROR" } || (e is PostgresException && !answered)
                ? NothingCommitted(e)
                : new Failure(FailureKind.CommitUnknown, e));
        }

        _versions.Advance(predicted.ChainHash, prepared.Head.ChainHash, Union(assumed, prepared.Changed));
        _head = prepared.Head;
        Complete(prepared);
        return (false, null);

        static Dictionary<string, int> Union(Dictionary<string, int> assumed, Dictionary<string, int> changed)
        {
            foreach (var (stream, version) in changed)
            {
                assumed[stream] = version;
            }

            return assumed;
        }
    }

    /// <summary>The locking path: locks and reads the head, reads the versions this process does not know, inserts and commits.</summary>
    private async Task<Failure?> TryCommitLockingAsync(IReadOnlyList<PendingAppend> batch)
    {
        var committing = false;
        try
        {
            var connection = await ConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var head = await HeadState.ReadAsync(connection, transaction, forUpdate: true, CancellationToken.None);
            var versions = await StreamVersionsAsync(connection, transaction, head, batch);
            var prepared = Prepare(head, batch, versions);
            if (prepared.Rows.Count > 0)
            {
                var all = prepared.Rows.ConvertAll(r => r.Event);
                await EventRows.InsertAsync(connection, transaction, prepared.Rows, prepared.Head, AddBatchedProjections, CancellationToken.None);
                foreach (var projection in _projections)
                {
                    if (projection is not IBatchedProjection)
                    {
                        await projection.ApplyAsync(connection, transaction, all, CancellationToken.None);
                    }
                }

                void AddBatchedProjections(NpgsqlBatch command)
                {
                    foreach (var projection in _projections)
                    {
                        if (projection is IBatchedProjection batched)
                        {
                            batched.AddTo(command, all);
                        }
                    }
                }

                _versions.Advance(head.ChainHash, prepared.Head.ChainHash, prepared.Changed);
                committing = true;
                await transaction.CommitAsync();
            }

            _head = prepared.Head;
            Complete(prepared);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _head = null;
            return committing ? new Failure(FailureKind.CommitUnknown, e) : NothingCommitted(e);
        }
    }

    private static Failure NothingCommitted(Exception e) =>
        new(e is NpgsqlException { IsTransient: true } ? FailureKind.Unavailable : FailureKind.Rejected, e);

    /// <summary>
    /// Numbers and hashes the batch's appends on <paramref name="head"/> given the streams' versions
    /// there: the rows, each append's result (a wrong expected version is a conflict), the streams'
    /// new versions and the new head (<paramref name="head"/> itself when nothing is to be written).
    /// </summary>
    private Prepared Prepare(HeadState head, IReadOnlyList<PendingAppend> batch, IReadOnlyDictionary<string, int> versions)
    {
        var now = Envelope.TruncateToMicroseconds(_time.GetUtcNow());
        if (head.RecordedAt is { } last && last > now)
        {
            now = last; // recorded times never go backwards along the log
        }

        var range = head.Range.Clone();
        var chain = head.ChainHash;
        var position = head.Position;
        var rows = new List<EventRow>();
        var results = new List<(PendingAppend Pending, AppendResult Result)>(batch.Count);
        var changed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            var actual = changed.TryGetValue(pending.Stream, out var v) ? v : versions.GetValueOrDefault(pending.Stream);
            if (pending.ExpectedVersion != ExpectedVersion.Any && pending.ExpectedVersion != actual)
            {
                results.Add((pending, new AppendResult.Conflict(pending.Stream, pending.ExpectedVersion, actual)));
                continue;
            }

            var stored = new List<StoredEvent>(pending.Events.Count);
            for (var i = 0; i < pending.Events.Count; i++)
            {
                position++;
                actual++;
                var envelope = Envelope.Build(position, pending.Stream, actual, pending.Events[i].Type, pending.Actor, now, pending.Data[i], pending.Metadata);
                var leaf = LogHash.Leaf(envelope);
                chain = LogHash.Chain(chain, leaf);
                var subtrees = range.Append(leaf);
                // The data and metadata as read from their canonical bytes, which the envelope holds verbatim.
                var e = new StoredEvent(position, pending.Stream, actual, pending.Events[i].Type, pending.Actor, now, pending.DataRead[i], pending.MetadataRead, envelope, leaf, chain);
                stored.Add(e);
                rows.Add(new EventRow(e, pending.Data[i], pending.Metadata, subtrees));
            }

            changed[pending.Stream] = actual;
            results.Add((pending, new AppendResult.Appended(stored)));
        }

        return new Prepared(rows, results, changed, rows.Count > 0 ? new HeadState(position, chain, range, now) : head);
    }

    private static void Complete(Prepared prepared)
    {
        foreach (var (pending, result) in prepared.Results)
        {
            pending.Completion.TrySetResult(result);
        }
    }

    /// <summary>The streams' current versions: from the cache when the log is as this process last left it, else from the table.</summary>
    private async Task<IReadOnlyDictionary<string, int>> StreamVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, HeadState head, IReadOnlyList<PendingAppend> batch)
    {
        var streams = batch.Select(p => p.Stream).Distinct(StringComparer.Ordinal).ToList();
        var (known, missing) = _versions.Lookup(head.ChainHash, streams);
        if (missing.Count == 0)
        {
            return known;
        }

        var read = await HeadState.StreamVersionsAsync(connection, transaction, [.. missing], CancellationToken.None);
        _versions.Learn(head.ChainHash, missing, read);
        foreach (var stream in missing)
        {
            known[stream] = read.GetValueOrDefault(stream);
        }

        return known;
    }

    private enum FailureKind { Rejected, Unavailable, CommitUnknown }

    private sealed record Failure(FailureKind Kind, Exception Exception);

    private sealed record Prepared(List<EventRow> Rows, List<(PendingAppend Pending, AppendResult Result)> Results, Dictionary<string, int> Changed, HeadState Head);

    private sealed class PendingAppend(
        string stream, int expectedVersion, IReadOnlyList<NewEvent> events, string actor, byte[][] data, JsonElement[] dataRead, byte[] metadata, JsonElement metadataRead, CancellationToken cancellationToken)
    {
        public string Stream { get; } = stream;
        public int ExpectedVersion { get; } = expectedVersion;
        public IReadOnlyList<NewEvent> Events { get; } = events;
        public string Actor { get; } = actor;
        public byte[][] Data { get; } = data;
        public JsonElement[] DataRead { get; } = dataRead;
        public byte[] Metadata { get; } = metadata;
        public JsonElement MetadataRead { get; } = metadataRead;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
