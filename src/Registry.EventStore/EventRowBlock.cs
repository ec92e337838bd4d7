// The rows of registry.events as verify reads them: a binary COPY in position order, parsed straight
// from the wire format into blocks of raw bytes. Nothing is decoded into strings or arrays per row
// (a million rows would make ten million objects); a row is a set of offsets into its block, and its
// text columns are compared with the envelope as the UTF-8 bytes they arrive as.
// Wire format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using Registry.EventStore.Hashing;

namespace Registry.EventStore;

/// <summary>One event row: its fixed-size columns decoded, the rest as places in the block's bytes.</summary>
internal readonly record struct RawEventRow(
    long Position, int Version, long RecordedAtMicroseconds,
    RawField Stream, RawField Type, RawField Actor, RawField Envelope, RawField LeafHash, RawField ChainHash, RawField SubtreeHashes);

/// <summary>Where a column's value lies in a block's bytes.</summary>
internal readonly record struct RawField(int Offset, int Length);

/// <summary>
/// Consecutive rows in the bytes they arrived as, and what can be checked of each row on its own:
/// the leaf hash from the envelope against the stored one, and the envelope's header against the
/// row's columns. The chain and the Merkle tree need every row before, so they are not checked here.
/// </summary>
internal sealed class EventRowBlock
{
    // timestamptz travels as microseconds since this instant.
    private static readonly DateTime PostgresEpoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly byte[] _bytes;
    private readonly List<RawEventRow> _rows = [];
    private byte[] _leaves = [];

    private EventRowBlock(byte[] bytes) => _bytes = bytes;

    public int Count => _rows.Count;

    public RawEventRow this[int row] => _rows[row];

    /// <summary>The first row (index in the block) that fails a check of its own, or -1.</summary>
    public int FirstBadRow { get; private set; } = -1;

    public string? Problem { get; private set; }

    public ReadOnlySpan<byte> Bytes(RawField field) => _bytes.AsSpan(field.Offset, field.Length);

    public ReadOnlySpan<byte> Leaf(int row) => _leaves.AsSpan(row * LogHash.Size, LogHash.Size);

    /// <summary>Gives the block's buffer back to the pool; the block is not read after this.</summary>
    public void Release() => ArrayPool<byte>.Shared.Return(_bytes);

    public EventRowBlock CheckEachRow()
    {
        _leaves = new byte[_rows.Count * LogHash.Size];
        for (var i = 0; i < _rows.Count; i++)
        {
            var row = _rows[i];
            var leaf = _leaves.AsSpan(i * LogHash.Size, LogHash.Size);
            LogHash.Leaf(Bytes(row.Envelope), leaf);
            Problem = !leaf.SequenceEqual(Bytes(row.LeafHash))
                ? "the envelope bytes do not match the stored leaf hash"
                : HeaderProblem(row);
            if (Problem is not null)
            {
                FirstBadRow = i;
                break;
            }
        }

        return this;
    }

    /// <summary>
    /// Reads the COPY of the events in position order, publishing each block (with its rows' own
    /// checks started on the thread pool) in order. Completes the channel when done or failing.
    /// </summary>
    public static async Task ReadAsync(NpgsqlConnection connection, string copyCommand, int blockBytes, ChannelWriter<Task<EventRowBlock>> blocks, CancellationToken cancellationToken)
    {
        try
        {
            await using var copy = await connection.BeginRawBinaryCopyAsync(copyCommand, cancellationToken);
            var block = new EventRowBlock(ArrayPool<byte>.Shared.Rent(blockBytes));
            var filled = 0;
            var start = -1; // where the unparsed rows begin; -1 until the file header has been read
            while (true)
            {
                var read = await copy.ReadAsync(block._bytes.AsMemory(filled), cancellationToken);
                filled += read;
                if (start < 0)
                {
                    start = SkipHeader(block._bytes.AsSpan(0, filled));
                }

                if (start >= 0 && block.ParseRows(filled, ref start))
                {
                    await PublishAsync(block);
                    return;
                }

                if (read == 0 || (start < 0 && filled == block._bytes.Length))
                {
                    throw new InvalidDataException("the COPY of registry.events ended in the middle of a row, or is not a binary COPY");
                }

                if (filled < block._bytes.Length)
                {
                    continue;
                }

                // The buffer is full: hand over its complete rows and begin the next buffer with the
                // incomplete one; a single row larger than a buffer gets a buffer twice as large.
                var rest = filled - start;
                var next = new EventRowBlock(ArrayPool<byte>.Shared.Rent(block.Count == 0 ? 2 * block._bytes.Length : blockBytes));
                block._bytes.AsSpan(start, rest).CopyTo(next._bytes);
                await PublishAsync(block);
                block = next;
                filled = rest;
                start = 0;
            }
        }
        finally
        {
            blocks.TryComplete();
        }

        async Task PublishAsync(EventRowBlock block)
        {
            if (block.Count == 0)
            {
                block.Release();
                return;
            }

            await blocks.WriteAsync(Task.Run(block.CheckEachRow, CancellationToken.None), cancellationToken);
        }
    }

    /// <summary>Adds the complete rows from <paramref name="start"/> up to <paramref name="filled"/>; true when it met the end-of-data mark.</summary>
    private bool ParseRows(int filled, ref int start)
    {
        var bytes = _bytes.AsSpan(0, filled);
        while (TryReadRow(bytes, ref start, out var row, out var finished))
        {
            if (finished)
            {
                return true;
            }

            _rows.Add(row);
        }

        return false;
    }

    /// <summary>The offset of the first row after the binary COPY header, or -1 when the header is not all there (or not one).</summary>
    private static int SkipHeader(ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];
        const int fixedLength = 11 + 4 + 4;
        if (bytes.Length < fixedLength || !bytes[..signature.Length].SequenceEqual(signature))
        {
            return -1;
        }

        var extension = BinaryPrimitives.ReadInt32BigEndian(bytes[15..]);
        return bytes.Length >= fixedLength + extension ? fixedLength + extension : -1;
    }

    /// <summary>Reads the row at <paramref name="offset"/> if all of it is there; <paramref name="finished"/> when it is the end-of-data mark instead.</summary>
    private static bool TryReadRow(ReadOnlySpan<byte> bytes, ref int offset, out RawEventRow row, out bool finished)
    {
        row = default;
        finished = false;
        var at = offset;
        if (!TryTake(bytes, ref at, 2, out var countField))
        {
            return false;
        }

        var columns = BinaryPrimitives.ReadInt16BigEndian(bytes.Slice(countField.Offset, 2));
        if (columns == -1)
        {
            finished = true;
            offset = at;
            return true;
        }

        if (columns != 10)
        {
            throw new InvalidDataException($"a row of the COPY of registry.events has {columns} columns, not 10");
        }

        Span<RawField> fields = stackalloc RawField[10];
        for (var i = 0; i < fields.Length; i++)
        {
            if (!TryTake(bytes, ref at, 4, out var length))
            {
                return false;
            }

            var size = BinaryPrimitives.ReadInt32BigEndian(bytes.Slice(length.Offset, 4));
            if (size < 0)
            {
                throw new InvalidDataException("a column of registry.events is null although the table does not allow it");
            }

            if (!TryTake(bytes, ref at, size, out fields[i]))
            {
                return false;
            }
        }

        row = new RawEventRow(
            Position: BinaryPrimitives.ReadInt64BigEndian(Fixed(bytes, fields[0], 8)),
            Version: BinaryPrimitives.ReadInt32BigEndian(Fixed(bytes, fields[2], 4)),
            RecordedAtMicroseconds: BinaryPrimitives.ReadInt64BigEndian(Fixed(bytes, fields[5], 8)),
            Stream: fields[1], Type: fields[3], Actor: fields[4],
            Envelope: fields[6], LeafHash: fields[7], ChainHash: fields[8], SubtreeHashes: fields[9]);
        offset = at;
        return true;

        static bool TryTake(ReadOnlySpan<byte> bytes, ref int at, int length, out RawField field)
        {
            field = new RawField(at, length);
            if (bytes.Length - at < length)
            {
                return false;
            }

            at += length;
            return true;
        }

        static ReadOnlySpan<byte> Fixed(ReadOnlySpan<byte> bytes, RawField field, int length) =>
            field.Length == length ? bytes.Slice(field.Offset, length) : throw new InvalidDataException($"a fixed-size column of registry.events has {field.Length} bytes, not {length}");
    }

    /// <summary>Null when the envelope is an event envelope whose header members equal the row's columns; otherwise what is wrong.</summary>
    private string? HeaderProblem(RawEventRow row) => HeaderMatches(row) switch
    {
        true => null,
        false => EnvelopeHeader.Read(Bytes(row.Envelope)) is { } header
            ? $"the row's columns do not match its envelope (the envelope says position {header.Position}, stream {header.Stream}, version {header.Version})"
            : "the envelope is not a valid event envelope",
        null => "the envelope is not a valid event envelope",
    };

    /// <summary>
    /// Compares the envelope's top-level position, stream, version, type, actor and recordedAt with the
    /// row's columns. Null when it is not an envelope (not an object, a member missing or of the wrong kind).
    /// </summary>
    private bool? HeaderMatches(RawEventRow row)
    {
        Span<byte> recordedAt = stackalloc byte[Envelope.TimeFormat.Length];
        if (!TryFormatTime(row.RecordedAtMicroseconds, ref recordedAt))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(Bytes(row.Envelope));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            bool? position = null, version = null, stream = null, type = null, actor = null, time = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // The name as written, not unescaped: what EnvelopeHeader.Read compares too.
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("position"u8))
                {
                    position = reader.GetInt64() == row.Position;
                }
                else if (name.SequenceEqual("version"u8))
                {
                    version = reader.GetInt32() == row.Version;
                }
                else if (name.SequenceEqual("stream"u8))
                {
                    stream = StringEquals(ref reader, Bytes(row.Stream));
                }
                else if (name.SequenceEqual("type"u8))
                {
                    type = StringEquals(ref reader, Bytes(row.Type));
                }
                else if (name.SequenceEqual("actor"u8))
                {
                    actor = StringEquals(ref reader, Bytes(row.Actor));
                }
                else if (name.SequenceEqual("recordedAt"u8))
                {
                    time = StringEquals(ref reader, recordedAt);
                }
                else
                {
                    reader.Skip();
                }
            }

            return position is { } p && version is { } v && stream is { } s && type is { } t && actor is { } a && time is { } r
                ? p && v && s && t && a && r
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null; // not JSON, or a member of the wrong type: not an envelope
        }

        // As GetString would: a JSON null counts as missing, anything else but a string is not an envelope.
        static bool? StringEquals(ref Utf8JsonReader reader, scoped ReadOnlySpan<byte> utf8) => reader.TokenType switch
        {
            JsonTokenType.String => reader.ValueTextEquals(utf8),
            JsonTokenType.Null => null,
            _ => throw new InvalidOperationException($"a {reader.TokenType} is not a string"),
        };
    }

    /// <summary>A timestamptz as the envelope writes it; false for the infinities, which no append writes.</summary>
    private static bool TryFormatTime(long microsecondsSince2000, ref Span<byte> utf8)
    {
        if (microsecondsSince2000 < (DateTime.MinValue.Ticks - PostgresEpoch.Ticks) / TimeSpan.TicksPerMicrosecond
            || microsecondsSince2000 > (DateTime.MaxValue.Ticks - PostgresEpoch.Ticks) / TimeSpan.TicksPerMicrosecond)
        {
            return false;
        }

        if (!PostgresEpoch.AddTicks(microsecondsSince2000 * TimeSpan.TicksPerMicrosecond).TryFormat(utf8, out var written, Envelope.TimeFormat, CultureInfo.InvariantCulture))
        {
            return false;
        }

        utf8 = utf8[..written];
        return true;
    }
}

/// <summary>The top-level members of an envelope that the row's columns copy, as text for the report; null when it is not an envelope.</summary>
internal sealed record EnvelopeHeader(long Position, string Stream, int Version, string Type, string Actor, string RecordedAt)
{
    public static EnvelopeHeader? Read(ReadOnlySpan<byte> envelope)
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
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null; // not JSON, or a member of the wrong type: not an envelope
        }
    }
}
