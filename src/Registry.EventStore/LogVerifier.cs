// verify: recompute everything from the stored envelope bytes, in one pass in position order, and
// name the first position that does not match. It trusts nothing derived: not the leaf, chain or
// subtree columns, not the query columns, not the head row; signed checkpoints are the anchors
// (a rewrite that recomputes every hash after it is still caught by the first checkpoint after it).
using System.Data;
using System.Text;
using System.Text.Json;
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
    public async Task<VerificationResult> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for head, checkpoints and events, so appends running meanwhile do not look like damage.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var head = await HeadState.ReadAsync(connection, transaction, forUpdate: false, cancellationToken);
        var checkpoints = await CheckpointStore.ListAsync(connection, transaction, cancellationToken);

        var range = CompactRange.Empty();
        var chain = LogHash.GenesisChain;
        var expected = 1L;
        var nextCheckpoint = 0;
        var lastGoodCheckpointSize = 0L;
        await using (var command = new NpgsqlCommand(
            "SELECT position, stream, version, type, actor, recorded_at, envelope, leaf_hash, chain_hash, subtree_hashes FROM registry.events ORDER BY position",
            connection,
            transaction))
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var position = reader.GetInt64(0);
                var stream = reader.GetString(1);
                var version = reader.GetInt32(2);
                var type = reader.GetString(3);
                var actor = reader.GetString(4);
                var recordedAt = reader.GetFieldValue<DateTime>(5);
                var envelope = reader.GetFieldValue<byte[]>(6);
                var storedLeaf = reader.GetFieldValue<byte[]>(7);
                var storedChain = reader.GetFieldValue<byte[]>(8);
                var storedSubtrees = reader.GetFieldValue<byte[]>(9);

                if (position != expected)
                {
                    return Bad(expected, position > expected ? $"position {expected} is missing (the next row is {position})" : $"position {position} appears twice");
                }

                var leaf = LogHash.Leaf(envelope);
                if (!leaf.AsSpan().SequenceEqual(storedLeaf))
                {
                    return Bad(position, "the envelope bytes do not match the stored leaf hash");
                }

                var header = EnvelopeHeader.Read(envelope);
                if (header is null)
                {
                    return Bad(position, "the envelope is not a valid event envelope");
                }

                if (header.Position != position || header.Stream != stream || header.Version != version || header.Type != type || header.Actor != actor
                    || header.RecordedAt != Envelope.FormatTime(new DateTimeOffset(recordedAt, TimeSpan.Zero)))
                {
                    return Bad(position, $"the row's columns do not match its envelope (the envelope says position {header.Position}, stream {header.Stream}, version {header.Version})");
                }

                chain = LogHash.Chain(chain, leaf);
                if (!chain.AsSpan().SequenceEqual(storedChain))
                {
                    return Bad(position, "the chain hash does not follow from the previous event");
                }

                if (!range.Append(leaf).AsSpan().SequenceEqual(storedSubtrees))
                {
                    return Bad(position, "the stored Merkle subtree hashes do not match the leaves");
                }

                while (nextCheckpoint < checkpoints.Count && checkpoints[nextCheckpoint].TreeSize <= position)
                {
                    var checkpoint = checkpoints[nextCheckpoint++];
                    if (checkpoint.TreeSize == position)
                    {
                        if (!checkpoint.RootHash.AsSpan().SequenceEqual(range.Root()))
                        {
                            return Bad(lastGoodCheckpointSize + 1, $"the log no longer matches the checkpoint signed at {checkpoint.SignedAt:u} for {checkpoint.TreeSize} events: an event between positions {lastGoodCheckpointSize + 1} and {checkpoint.TreeSize} was changed and the hashes after it recomputed");
                        }

                        lastGoodCheckpointSize = position;
                    }
                }

                expected++;
            }
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

    /// <summary>The top-level members of an envelope that the row's columns copy; null when it is not an envelope.</summary>
    private sealed record EnvelopeHeader(long Position, string Stream, int Version, string Type, string Actor, string RecordedAt)
    {
        public static EnvelopeHeader? Read(byte[] envelope)
        {
            try
            {
                var reader = new Utf8JsonReader(envelope);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }

                long? position = null;
                int? version = null;
                string? stream = null, type = null, actor = null, recordedAt = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = Encoding.UTF8.GetString(reader.ValueSpan);
                    reader.Read();
                    switch (name)
                    {
                        case "position": position = reader.GetInt64(); break;
                        case "version": version = reader.GetInt32(); break;
                        case "stream": stream = reader.GetString(); break;
                        case "type": type = reader.GetString(); break;
                        case "actor": actor = reader.GetString(); break;
                        case "recordedAt": recordedAt = reader.GetString(); break;
                        default: reader.Skip(); break;
                    }
                }

                return position is { } p && version is { } v && stream is not null && type is not null && actor is not null && recordedAt is not null
                    ? new EnvelopeHeader(p, stream, v, type, actor, recordedAt)
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
            catch (FormatException)
            {
                return null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }
}
