// verify: recompute everything from the stored envelope bytes, in position order, and name the
// first position that does not match. It trusts nothing derived: not the leaf, chain or subtree
// columns, not the query columns, not the head row; signed checkpoints are the anchors (a rewrite
// that recomputes every hash after it is still caught by the first checkpoint after it).
//
// A million events must verify in seconds, so the work is split the way it depends on itself: a
// binary COPY streams the rows in blocks of raw bytes (EventRowBlock); each block's leaf hashes and
// envelope headers are checked on the thread pool, blocks in parallel, since a row's leaf and header
// depend on nothing else; the chain and the Merkle tree, which depend on every row before, are then
// walked here row by row in position order. The walk meets each row's own problem at the same point
// a single loop would, so the first bad position and the reason given for it do not change.
using System.Data;
using System.Threading.Channels;
using Npgsql;
using Registry.EventStore.Checkpoints;
using Registry.EventStore.Hashing;
using Registry.EventStore.Merkle;

namespace Registry.EventStore;

/// <summary>The outcome of verify. When not <see cref="Ok"/>, <see cref="FirstBadPosition"/> and <see cref="Problem"/> say where and what.</summary>
public sealed record VerificationResult(bool Ok, long TreeSize, byte[] RootHash, long? FirstBadPosition, string? Problem, int CheckpointsChecked)
{
    public string RootHashHex => LogHash.ToHex(RootHash);
}

public sealed class LogVerifier(NpgsqlDataSource dataSource)
{
    // About 500 rows of a typical log: big enough that handing a block to another thread costs
    // little next to hashing it; small enough that damage near the start of a large log is reported
    // without reading far past it.
    private const int BlockBytes = 256 * 1024;

    // Blocks read ahead of the chain walk: bounds memory.
    private const int BlocksInFlight = 8;

    private const string EventsInPositionOrder =
        "COPY (SELECT position, stream, version, type, actor, recorded_at, envelope, leaf_hash, chain_hash, subtree_hashes FROM registry.events ORDER BY position) TO STDOUT (FORMAT BINARY)";

    public async Task<VerificationResult> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for head, checkpoints and events (the COPY runs in it too), so appends running meanwhile do not look like damage.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var head = await HeadState.ReadAsync(connection, transaction, forUpdate: false, cancellationToken);
        var checkpoints = await CheckpointStore.ListAsync(connection, transaction, cancellationToken);

        var range = CompactRange.Empty();
        var chain = LogHash.GenesisChain;
        var completed = new byte[64 * LogHash.Size]; // the most Merkle nodes one leaf can complete
        var expected = 1L;
        var nextCheckpoint = 0;
        var lastGoodCheckpointSize = 0L;

        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var blocks = Channel.CreateBounded<Task<EventRowBlock>>(new BoundedChannelOptions(BlocksInFlight) { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(() => EventRowBlock.ReadAsync(connection, EventsInPositionOrder, BlockBytes, blocks.Writer, stopReading.Token), CancellationToken.None);
        try
        {
            await foreach (var checking in blocks.Reader.ReadAllAsync(cancellationToken))
            {
                var block = await checking;
                for (var i = 0; i < block.Count; i++)
                {
                    var row = block[i];
                    if (row.Position != expected)
                    {
                        return Bad(expected, row.Position > expected ? $"position {expected} is missing (the next row is {row.Position})" : $"position {row.Position} appears twice");
                    }

                    if (i == block.FirstBadRow)
                    {
                        return Bad(row.Position, block.Problem!);
                    }

                    var leaf = block.Leaf(i);
                    LogHash.Chain(chain, leaf, chain);
                    if (!chain.AsSpan().SequenceEqual(block.Bytes(row.ChainHash)))
                    {
                        return Bad(row.Position, "the chain hash does not follow from the previous event");
                    }

                    var completedLength = range.NextCompletedLength;
                    range.Append(leaf, completed);
                    if (!completed.AsSpan(0, completedLength).SequenceEqual(block.Bytes(row.SubtreeHashes)))
                    {
                        return Bad(row.Position, "the stored Merkle subtree hashes do not match the leaves");
                    }

                    while (nextCheckpoint < checkpoints.Count && checkpoints[nextCheckpoint].TreeSize <= row.Position)
                    {
                        var checkpoint = checkpoints[nextCheckpoint++];
                        if (checkpoint.TreeSize == row.Position)
                        {
                            if (!checkpoint.RootHash.AsSpan().SequenceEqual(range.Root()))
                            {
                                return Bad(lastGoodCheckpointSize + 1, $"the log no longer matches the checkpoint signed at {checkpoint.SignedAt:u} for {checkpoint.TreeSize} events: an event between positions {lastGoodCheckpointSize + 1} and {checkpoint.TreeSize} was changed and the hashes after it recomputed");
                            }

                            lastGoodCheckpointSize = row.Position;
                        }
                    }

                    expected++;
                }

                block.Release();
            }

            // The channel also closes when reading fails: that failure is not the end of the log.
            await reading;
        }
        finally
        {
            await stopReading.CancelAsync();
            await StoppedAsync(reading);
        }

        var size = expected - 1;
        if (size > head.Position)
        {
            return Bad(head.Position + 1, $"position {head.Position + 1} lies beyond the head ({head.Position}): it was inserted without an append");
        }

        if (size < head.Position)
        {
            return Bad(size + 1, $"position {size + 1} is missing (the head says the log holds {head.Position} events)");
        }

        if (!chain.AsSpan().SequenceEqual(head.ChainHash) || !range.Root().AsSpan().SequenceEqual(head.Range.Root()))
        {
            return Bad(size, "the head row does not match the log's last chain hash or Merkle root");
        }

        if (nextCheckpoint < checkpoints.Count)
        {
            var beyond = checkpoints[nextCheckpoint];
            return Bad(size + 1, $"a checkpoint was signed for {beyond.TreeSize} events but the log holds {size}: events were removed");
        }

        foreach (var checkpoint in checkpoints)
        {
            if (!checkpoint.HasValidSignature())
            {
                return new VerificationResult(false, size, range.Root(), null, $"checkpoint {checkpoint.Id} (size {checkpoint.TreeSize}) does not carry a valid signature of its body", checkpoints.Count);
            }
        }

        return new VerificationResult(true, size, range.Root(), null, null, checkpoints.Count);

        VerificationResult Bad(long position, string problem) =>
            new(false, expected - 1, range.Root(), position, $"position {position}: {problem}", nextCheckpoint);
    }

    /// <summary>
    /// Waits for the reader once verify has its answer or failed. Stopping a COPY midway surfaces as a
    /// cancellation or, depending on timing, as the server's "canceling statement" error; neither says
    /// anything about the log. A failure before the answer was already thrown by the walk.
    /// </summary>
    private static async Task StoppedAsync(Task reading)
    {
        try
        {
            await reading;
        }
        catch (OperationCanceledException)
        {
        }
        catch (NpgsqlException)
        {
        }
    }
}
