// Writes a registry-evidence/v1 bundle (CONTRACT section 4) as a zip streamed straight to the caller.
//
// Everything that can fail is done before the first byte is sent (PrepareAsync): the checkpoint is
// read and its signature checked, the Merkle tree of its size is rebuilt in memory from the stored leaf
// hashes and must reproduce the signed root, and the scope's positions are listed. Writing then only
// streams envelopes from the table and proofs from the in-memory tree, so a bundle of 100,000 events
// costs one pass over the table and no per-event query.
using System.Buffers.Text;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Registry.Web.Features.Evidence;

public sealed record EvidencePlan(EvidenceScope Scope, SignedCheckpoint Checkpoint, MerkleLevels Tree, long[] Positions, DateTimeOffset GeneratedAt);

/// <summary>Why a bundle cannot be made; becomes a problem document.</summary>
public sealed record EvidenceRefusal(int Status, string Title, string Detail);

public sealed class EvidenceBundle(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const string Format = "registry-evidence/v1";

    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private static readonly DateTimeOffset ZipEpoch = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Checks the checkpoint against the log and lists the scope's events (those the checkpoint covers).</summary>
    public async Task<(EvidencePlan? Plan, EvidenceRefusal? Refusal)> PrepareAsync(EvidenceScope scope, SignedCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        if (checkpoint is null)
        {
            return (null, new EvidenceRefusal(StatusCodes.Status409Conflict, "No signed checkpoint yet",
                "The log has no signed checkpoint, so there is nothing to prove inclusion against. An admin can sign one (POST /api/v1/integrity/checkpoints)."));
        }

        if (!checkpoint.SignatureIsValid())
        {
            return (null, new EvidenceRefusal(StatusCodes.Status500InternalServerError, "The checkpoint's signature does not verify",
                $"The stored checkpoint of size {checkpoint.TreeSize} does not verify under its own public key. Run GET /api/v1/integrity/verify and inform the registry's operators."));
        }

        var tree = MerkleLevels.Build(await LeafHashesAsync(checkpoint.TreeSize, cancellationToken));
        if (tree.Size != checkpoint.TreeSize || !tree.Root.AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            return (null, new EvidenceRefusal(StatusCodes.Status500InternalServerError, "The log does not match its checkpoint",
                $"The stored leaf hashes of the first {checkpoint.TreeSize} events do not reproduce the signed root {checkpoint.RootHashHex}. Run GET /api/v1/integrity/verify to find the first bad position."));
        }

        var positions = await PositionsAsync(scope, checkpoint.TreeSize, cancellationToken);
        return (new EvidencePlan(scope, checkpoint, tree, positions, time.GetUtcNow()), null);
    }

    /// <summary>Streams the zip; entries are written in order, each compressed as it goes.</summary>
    public async Task WriteAsync(EvidencePlan plan, Stream output, CancellationToken cancellationToken)
    {
        var body = new AsyncOnlyStream(output);
        await WriteZipAsync(plan, body, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    private async Task WriteZipAsync(EvidencePlan plan, Stream output, CancellationToken cancellationToken)
    {
        await using var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        var checkpoint = plan.Checkpoint;

        await WriteEntryAsync(zip, "README.txt", plan, Encoding.UTF8.GetBytes(EvidenceReadme.Text(plan)), cancellationToken);
        await WriteEntryAsync(zip, "manifest.json", plan, Manifest(plan), cancellationToken);
        await WriteEntryAsync(zip, "checkpoint.txt", plan, Encoding.UTF8.GetBytes(checkpoint.Body), cancellationToken);
        await WriteEntryAsync(zip, "checkpoint.sig", plan, checkpoint.Signature, cancellationToken);
        await WriteEntryAsync(zip, "public-key.pem", plan, Encoding.ASCII.GetBytes(checkpoint.PublicKeyPem), cancellationToken);

        var events = Entry(zip, "events.jsonl", plan);
        await using (var stream = await events.OpenAsync(cancellationToken))
        {
            await WriteEnvelopesAsync(plan, stream, cancellationToken);
        }

        var proofs = Entry(zip, "proofs.jsonl", plan);
        await using (var stream = await proofs.OpenAsync(cancellationToken))
        {
            await WriteProofsAsync(plan, stream, cancellationToken);
        }
    }

    private async Task<byte[]> LeafHashesAsync(long treeSize, CancellationToken cancellationToken)
    {
        // One value, concatenated by the server in position order: far fewer round trips than a row per leaf.
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(string_agg(leaf_hash, ''::bytea ORDER BY position), ''::bytea), count(*) FROM registry.events WHERE position <= @size");
        command.Parameters.AddWithValue("size", treeSize);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var hashes = (byte[])reader[0];
        if (reader.GetInt64(1) != treeSize)
        {
            throw new InvalidOperationException($"the log holds {reader.GetInt64(1)} events up to position {treeSize}; positions must be dense");
        }

        return hashes;
    }

    private async Task<long[]> PositionsAsync(EvidenceScope scope, long treeSize, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT coalesce(array_agg(position ORDER BY position), '{{}}') FROM registry.events WHERE position <= @size AND {scope.Condition}");
        command.Parameters.AddWithValue("size", treeSize);
        scope.Bind(command.Parameters);
        return (long[])(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task WriteEnvelopesAsync(EvidencePlan plan, Stream stream, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT position, envelope FROM registry.events WHERE position <= @size AND {plan.Scope.Condition} ORDER BY position", connection);
        command.Parameters.AddWithValue("size", plan.Checkpoint.TreeSize);
        plan.Scope.Bind(command.Parameters);

        var buffer = new ChunkWriter(stream);
        var index = 0;
        await using (var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var position = reader.GetInt64(0);
                if (index >= plan.Positions.Length || plan.Positions[index] != position)
                {
                    throw new InvalidOperationException($"event {position} was not in the bundle's plan; the log changed under a committed prefix");
                }

                var envelope = await reader.GetFieldValueAsync<byte[]>(1, cancellationToken);
                await buffer.WriteAsync(envelope, cancellationToken);
                await buffer.WriteAsync(NewLine, cancellationToken);
                index++;
            }
        }

        if (index != plan.Positions.Length)
        {
            throw new InvalidOperationException($"the bundle's plan lists {plan.Positions.Length} events but the log returned {index}");
        }

        await buffer.FlushAsync(cancellationToken);
    }

    private static async Task WriteProofsAsync(EvidencePlan plan, Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new ChunkWriter(stream);
        foreach (var position in plan.Positions)
        {
            await buffer.ReserveAsync(96 + (64 * (3 + 64)), cancellationToken);
            buffer.Append("{\"position\":"u8);
            buffer.AppendNumber(position);
            buffer.Append(",\"leafHash\":\""u8);
            buffer.AppendHex(plan.Tree.Leaf(position - 1));
            buffer.Append("\",\"path\":["u8);
            var first = true;
            foreach (var node in plan.Tree.InclusionPath(position - 1))
            {
                buffer.Append(first ? "\""u8 : ",\""u8);
                buffer.AppendHex(node.Span);
                buffer.Append("\""u8);
                first = false;
            }

            buffer.Append("]}\n"u8);
        }

        await buffer.FlushAsync(cancellationToken);
    }

    private static byte[] Manifest(EvidencePlan plan)
    {
        using var memory = new MemoryStream();
        using (var json = new Utf8JsonWriter(memory, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("origin", plan.Checkpoint.Origin);
            json.WriteString("scope", plan.Scope.Name);
            json.WriteString("generatedAt", EvidenceScope.Rfc3339(plan.GeneratedAt));
            json.WriteNumber("treeSize", plan.Checkpoint.TreeSize);
            json.WriteString("rootHash", plan.Checkpoint.RootHashHex);
            json.WriteNumber("events", plan.Positions.Length);
            json.WriteEndObject();
        }

        memory.WriteByte((byte)'\n');
        return memory.ToArray();
    }

    private static ZipArchiveEntry Entry(ZipArchive zip, string name, EvidencePlan plan)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        entry.LastWriteTime = plan.GeneratedAt < ZipEpoch ? ZipEpoch : plan.GeneratedAt;
        return entry;
    }

    private static async Task WriteEntryAsync(ZipArchive zip, string name, EvidencePlan plan, byte[] content, CancellationToken cancellationToken)
    {
        await using var stream = await Entry(zip, name, plan).OpenAsync(cancellationToken);
        await stream.WriteAsync(content, cancellationToken);
    }

    /// <summary>
    /// The response body forbids synchronous writes, and the zip writer still makes a few small ones
    /// (local headers, data descriptors): those are held and sent with the next asynchronous write.
    /// </summary>
    private sealed class AsyncOnlyStream(Stream inner) : Stream
    {
        private readonly MemoryStream _held = new();
        private long _position;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _held.Write(buffer);
            _position += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendHeldAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
            _position += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendHeldAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override void Flush()
        {
            // Held bytes go out with the next asynchronous write or flush.
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        private async ValueTask SendHeldAsync(CancellationToken cancellationToken)
        {
            if (_held.Length > 0)
            {
                await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), cancellationToken);
                _held.SetLength(0);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _held.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Collects small writes into 64 KiB chunks, so the zip's deflater sees few, large async writes.</summary>
    private sealed class ChunkWriter(Stream stream)
    {
        private readonly byte[] _chunk = new byte[64 * 1024];
        private int _used;

        public async ValueTask WriteAsync(byte[] bytes, CancellationToken cancellationToken)
        {
            if (bytes.Length > _chunk.Length - _used)
            {
                await FlushAsync(cancellationToken);
                if (bytes.Length > _chunk.Length)
                {
                    await stream.WriteAsync(bytes, cancellationToken);
                    return;
                }
            }

            bytes.CopyTo(_chunk, _used);
            _used += bytes.Length;
        }

        public async ValueTask ReserveAsync(int bytes, CancellationToken cancellationToken)
        {
            if (bytes > _chunk.Length - _used)
            {
                await FlushAsync(cancellationToken);
            }
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_chunk.AsSpan(_used));
            _used += bytes.Length;
        }

        public void AppendNumber(long value)
        {
            Utf8Formatter.TryFormat(value, _chunk.AsSpan(_used), out var written);
            _used += written;
        }

        public void AppendHex(ReadOnlySpan<byte> bytes)
        {
            var output = _chunk.AsSpan(_used, bytes.Length * 2);
            for (var i = 0; i < bytes.Length; i++)
            {
                output[2 * i] = HexDigit(bytes[i] >> 4);
                output[(2 * i) + 1] = HexDigit(bytes[i] & 0xF);
            }

            _used += output.Length;
        }

        public async ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            if (_used > 0)
            {
                await stream.WriteAsync(_chunk.AsMemory(0, _used), cancellationToken);
                _used = 0;
            }
        }

        private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }
}
