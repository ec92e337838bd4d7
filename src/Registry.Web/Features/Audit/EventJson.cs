// The audit log's JSON written straight from the stored envelopes. A page is 100 events of about
// 2.5 KB of JSON each; parsing every envelope into a JsonDocument, cloning its data and metadata and
// serializing them back cost most of the request's CPU (issue 4, docs/benchmarks.md). Here each
// envelope is walked once with a Utf8JsonReader: its data and metadata are copied byte for byte when
// no character in them is one the response's encoder escapes (the canonical JSON of the envelope has
// no whitespace and writes numbers as the serializer does), and re-encoded token by token otherwise;
// the envelope itself, as the string `canonical`, is copied with each quote replaced by its escape.
// The result is byte for byte what the serializer writes for an EventView (EventsApiTests compares them).
using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace Registry.Web.Features.Audit;

public sealed class EventJson
{
    private static readonly JsonEncodedText Position = JsonEncodedText.Encode("position");
    private static readonly JsonEncodedText Stream = JsonEncodedText.Encode("stream");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText RecordedAt = JsonEncodedText.Encode("recordedAt");
    private static readonly JsonEncodedText Actor = JsonEncodedText.Encode("actor");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText Metadata = JsonEncodedText.Encode("metadata");
    private static readonly JsonEncodedText LeafHash = JsonEncodedText.Encode("leafHash");
    private static readonly JsonEncodedText ChainHash = JsonEncodedText.Encode("chainHash");
    private static readonly JsonEncodedText Canonical = JsonEncodedText.Encode("canonical");

    /// <summary>The bytes of a JSON value that the encoder writes as they are: printable ASCII it does not escape, and no backslash.</summary>
    private readonly SearchValues<byte> _verbatim;

    private readonly JsonSerializerOptions _serializer;

    /// <summary>How the encoder writes a quote inside a string (<c>\u0022</c> by default).</summary>
    private readonly byte[] _escapedQuote;

    /// <param name="serializer">The options the API's responses are serialized with (their encoder decides what is escaped).</param>
    public EventJson(JsonSerializerOptions serializer)
    {
        _serializer = serializer;
        var encoder = serializer.Encoder ?? JavaScriptEncoder.Default;
        // Without a backslash in the value, every quote in it delimits a string, so it is copied as
        // it is (a quote inside a string is always escaped, with a backslash, in canonical JSON).
        _verbatim = SearchValues.Create([.. Enumerable.Range(0x20, 0x7F - 0x20).Where(c => c == '"' || (c != '\\' && !encoder.WillEncode(c))).Select(c => (byte)c)]);
        _escapedQuote = JsonEncodedText.Encode("\"", encoder).EncodedUtf8Bytes.ToArray();
        Options = new JsonWriterOptions { Encoder = serializer.Encoder, Indented = serializer.WriteIndented, SkipValidation = true };
    }

    /// <summary>Options for the writer of a response: the serializer's encoder and indentation.</summary>
    public JsonWriterOptions Options { get; }

    /// <summary>Writes one event as the API shows it (an <see cref="EventView"/>) and returns its position.</summary>
    public long Write(Utf8JsonWriter writer, ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> leafHash, ReadOnlySpan<byte> chainHash)
    {
        if (_serializer.WriteIndented || !Envelope.TryRead(envelope, out var e))
        {
            // Not the shape every stored envelope has (or indented output): the serializer's own way.
            var view = EventsApi.View(envelope.ToArray(), leafHash.ToArray(), chainHash.ToArray());
            JsonSerializer.Serialize(writer, view, _serializer);
            return view.Position;
        }

        writer.WriteStartObject();
        writer.WriteNumber(Position, e.Position);
        WriteString(writer, Stream, envelope, e.Stream);
        writer.WriteNumber(Version, e.Version);
        WriteString(writer, Type, envelope, e.Type);
        WriteString(writer, RecordedAt, envelope, e.RecordedAt);
        WriteString(writer, Actor, envelope, e.Actor);
        // Most envelopes have nothing the encoder escapes but the quotes of their own strings.
        var verbatim = !envelope.ContainsAnyExcept(_verbatim);
        WriteValue(writer, Data, envelope[e.Data], verbatim);
        WriteValue(writer, Metadata, envelope[e.Metadata], verbatim);
        Span<char> hex = stackalloc char[64];
        writer.WriteString(LeafHash, Hex(leafHash, hex));
        writer.WriteString(ChainHash, Hex(chainHash, hex));
        if (verbatim)
        {
            WriteQuoted(writer, Canonical, envelope);
        }
        else
        {
            writer.WriteString(Canonical, envelope);
        }

        writer.WriteEndObject();
        return e.Position;
    }

    private static ReadOnlySpan<char> Hex(ReadOnlySpan<byte> hash, Span<char> buffer) =>
        Convert.TryToHexStringLower(hash, buffer, out var written) ? buffer[..written] : Convert.ToHexStringLower(hash);

    private static void WriteString(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<byte> envelope, StringToken token)
    {
        if (token.Escaped)
        {
            // Rare (a quote or a control character in a name): unescape, and let the writer escape it its own way.
            var reader = new Utf8JsonReader(envelope[token.Token]);
            reader.Read();
            writer.WriteString(name, reader.GetString());
        }
        else
        {
            writer.WriteString(name, envelope[token.Value]);
        }
    }

    /// <summary>The envelope as a JSON string, for envelopes whose only bytes to escape are quotes: each becomes the encoder's escape.</summary>
    private void WriteQuoted(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<byte> envelope)
    {
        var length = envelope.Length + (envelope.Count((byte)'"') * (_escapedQuote.Length - 1)) + 2;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var output = rented.AsSpan(0, length);
            output[0] = (byte)'"';
            var at = 1;
            var rest = envelope;
            int quote;
            while ((quote = rest.IndexOf((byte)'"')) >= 0)
            {
                rest[..quote].CopyTo(output[at..]);
                at += quote;
                _escapedQuote.CopyTo(output[at..]);
                at += _escapedQuote.Length;
                rest = rest[(quote + 1)..];
            }

            rest.CopyTo(output[at..]);
            output[^1] = (byte)'"';
            writer.WritePropertyName(name);
            writer.WriteRawValue(output, skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void WriteValue(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<byte> json, bool verbatim)
    {
        writer.WritePropertyName(name);
        if (verbatim || !json.ContainsAnyExcept(_verbatim))
        {
            writer.WriteRawValue(json, skipInputValidation: true);
            return;
        }

        // As JsonElement.WriteTo does: names and strings unescaped and written by the writer's encoder, numbers as they are.
        var reader = new Utf8JsonReader(json);
        byte[]? rented = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                    case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                    case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                    case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                    case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                    case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                    case JsonTokenType.Null: writer.WriteNullValue(); break;
                    case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                    case JsonTokenType.PropertyName: writer.WritePropertyName(Unescaped(ref reader, ref rented)); break;
                    case JsonTokenType.String: writer.WriteStringValue(Unescaped(ref reader, ref rented)); break;
                    default: throw new InvalidOperationException($"unexpected {reader.TokenType} in an envelope");
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[]? rented)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        if (rented is null || rented.Length < reader.ValueSpan.Length)
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        }

        var length = reader.CopyString(rented);
        return rented.AsSpan(0, length);
    }

    /// <summary>A string member: where its value (without quotes) and its whole token (with them) are in the envelope.</summary>
    private readonly record struct StringToken(Range Value, Range Token, bool Escaped);

    /// <summary>Where each member of an envelope is, found in one pass without allocating.</summary>
    private readonly record struct Envelope(long Position, int Version, StringToken Stream, StringToken Type, StringToken RecordedAt, StringToken Actor, Range Data, Range Metadata)
    {
        public static bool TryRead(ReadOnlySpan<byte> json, out Envelope envelope)
        {
            envelope = default;
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            long position = 0;
            int version = 0;
            StringToken stream = default, type = default, recordedAt = default, actor = default;
            Range data = default, metadata = default;
            var found = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                var escapedName = reader.ValueIsEscaped;
                if (!reader.Read())
                {
                    return false;
                }

                if (escapedName)
                {
                    reader.Skip();
                    continue;
                }

                if (name.SequenceEqual("position"u8) && reader.TryGetInt64(out position))
                {
                    found |= 1;
                }
                else if (name.SequenceEqual("version"u8) && reader.TryGetInt32(out version))
                {
                    found |= 2;
                }
                else if (name.SequenceEqual("stream"u8) && String(ref reader, out stream))
                {
                    found |= 4;
                }
                else if (name.SequenceEqual("type"u8) && String(ref reader, out type))
                {
                    found |= 8;
                }
                else if (name.SequenceEqual("recordedAt"u8) && String(ref reader, out recordedAt))
                {
                    found |= 16;
                }
                else if (name.SequenceEqual("actor"u8) && String(ref reader, out actor))
                {
                    found |= 32;
                }
                else if (name.SequenceEqual("data"u8))
                {
                    found |= 64;
                    data = Value(ref reader);
                }
                else if (name.SequenceEqual("metadata"u8))
                {
                    found |= 128;
                    metadata = Value(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            envelope = new Envelope(position, version, stream, type, recordedAt, actor, data, metadata);
            return found == 255 && reader.TokenType == JsonTokenType.EndObject;
        }

        private static bool String(ref Utf8JsonReader reader, out StringToken token)
        {
            token = default;
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            var start = (int)reader.TokenStartIndex;
            var end = (int)reader.BytesConsumed;
            token = new StringToken((start + 1)..(end - 1), start..end, reader.ValueIsEscaped);
            return true;
        }

        private static Range Value(ref Utf8JsonReader reader)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            return start..(int)reader.BytesConsumed;
        }
    }
}

/// <summary>
/// A page of the log, already written as JSON (an <see cref="EventPage"/>) into pooled memory: the
/// whole page is read before anything is sent, so a failure midway is still an error response.
/// </summary>
public sealed class EventPageJson : IResult, IEndpointMetadataProvider, IDisposable
{
    private static readonly JsonEncodedText Items = JsonEncodedText.Encode("items");
    private static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");
    private static readonly JsonEncodedText Next = JsonEncodedText.Encode("next");

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _length;

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(EventPage), ["application/json"]));

    /// <summary>
    /// Writes the page from rows of (envelope, leaf_hash, chain_hash) in position order: at most
    /// <paramref name="take"/> items; a row beyond them means there is a next page.
    /// </summary>
    public static async Task<EventPageJson> ReadAsync(EventJson json, System.Data.Common.DbDataReader rows, int take, Func<Task<long>> total, CancellationToken cancellationToken)
    {
        var page = new EventPageJson();
        var buffer = new PooledBuffer(page);
        var envelope = ArrayPool<byte>.Shared.Rent(8 * 1024);
        var leaf = new byte[32];
        var chain = new byte[32];
        try
        {
            using var writer = new Utf8JsonWriter(buffer, json.Options);
            writer.WriteStartObject();
            writer.WriteStartArray(Items);
            var written = 0;
            long last = 0;
            var more = false;
            while (await rows.ReadAsync(cancellationToken))
            {
                if (written == take)
                {
                    more = true;
                    break;
                }

                var length = (int)rows.GetBytes(0, 0, null, 0, 0);
                if (length > envelope.Length)
                {
                    ArrayPool<byte>.Shared.Return(envelope);
                    envelope = ArrayPool<byte>.Shared.Rent(length);
                }

                rows.GetBytes(0, 0, envelope, 0, length);
                var leafLength = (int)rows.GetBytes(1, 0, leaf, 0, leaf.Length);
                var chainLength = (int)rows.GetBytes(2, 0, chain, 0, chain.Length);
                last = json.Write(writer, envelope.AsSpan(0, length), leaf.AsSpan(0, leafLength), chain.AsSpan(0, chainLength));
                written++;
            }

            writer.WriteEndArray();
            writer.WriteNumber(Total, await total());
            if (more)
            {
                writer.WriteNumber(Next, last);
            }
            else
            {
                writer.WriteNull(Next);
            }

            writer.WriteEndObject();
            writer.Flush();
        }
        catch
        {
            page.Dispose(); // no response will send it: its buffer goes back to the pool now
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(envelope);
        }

        return page;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        try
        {
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            httpContext.Response.ContentLength = _length;
            await httpContext.Response.Body.WriteAsync(_buffer.AsMemory(0, _length), httpContext.RequestAborted);
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The page's bytes, in one pooled array that grows by renting a larger one.</summary>
    private sealed class PooledBuffer(EventPageJson page) : IBufferWriter<byte>
    {
        public void Advance(int count) => page._length += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Grow(sizeHint);
            return page._buffer.AsMemory(page._length);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Grow(sizeHint);
            return page._buffer.AsSpan(page._length);
        }

        private void Grow(int sizeHint)
        {
            var needed = page._length + Math.Max(sizeHint, 256);
            if (needed <= page._buffer.Length)
            {
                return;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, page._buffer.Length * 2));
            page._buffer.AsSpan(0, page._length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(page._buffer);
            page._buffer = larger;
        }
    }
}
