// The envelope: the one serialization of an event that is hashed and kept byte for byte. Written
// directly in canonical form (members in code-unit order); read back to produce StoredEvent, so
// every value a reader sees comes from the bytes the hashes cover. (An append's own results are
// built from the same canonical data and metadata bytes, which the envelope holds verbatim.)
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.EventStore.Hashing;

namespace Registry.EventStore;

internal static class Envelope
{
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The canonical bytes of the envelope; also returns the canonical data and metadata texts for the jsonb columns.</summary>
    public static byte[] Build(long position, string stream, int version, string type, string actor, DateTimeOffset recordedAt, byte[] data, byte[] metadata)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + metadata.Length + 256);
        Ascii(buffer, "{\"actor\":");
        CanonicalJson.WriteString(buffer, actor);
        Ascii(buffer, ",\"data\":");
        buffer.Write(data);
        Ascii(buffer, ",\"metadata\":");
        buffer.Write(metadata);
        Ascii(buffer, ",\"position\":");
        Ascii(buffer, CanonicalJson.FormatNumber(position));
        Ascii(buffer, ",\"recordedAt\":");
        CanonicalJson.WriteString(buffer, FormatTime(recordedAt));
        Ascii(buffer, ",\"stream\":");
        CanonicalJson.WriteString(buffer, stream);
        Ascii(buffer, ",\"type\":");
        CanonicalJson.WriteString(buffer, type);
        Ascii(buffer, ",\"version\":");
        Ascii(buffer, CanonicalJson.FormatNumber(version));
        Ascii(buffer, "}");
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The canonical metadata object: correlationId always, the rest only when given.</summary>
    public static byte[] Metadata(AppendMetadata metadata)
    {
        var node = new JsonObject { ["correlationId"] = metadata.CorrelationId };
        Add("causationId", metadata.CausationId);
        Add("reason", metadata.Reason);
        Add("client", metadata.Client);
        Add("ip", metadata.Ip);
        return CanonicalJson.Serialize(node);

        void Add(string name, string? value)
        {
            if (value is not null)
            {
                node[name] = value;
            }
        }
    }

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Microsecond precision: what PostgreSQL stores and what the envelope writes.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % 10), TimeSpan.Zero);

    public static StoredEvent Read(byte[] envelope, byte[] leafHash, byte[] chainHash)
    {
        var root = JsonSerializer.Deserialize<JsonElement>(envelope);
        return new StoredEvent(
            root.GetProperty("position").GetInt64(),
            root.GetProperty("stream").GetString()!,
            root.GetProperty("version").GetInt32(),
            root.GetProperty("type").GetString()!,
            root.GetProperty("actor").GetString()!,
            DateTimeOffset.ParseExact(root.GetProperty("recordedAt").GetString()!, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            root.GetProperty("data"),
            root.GetProperty("metadata"),
            envelope,
            leafHash,
            chainHash);
    }

    private static void Ascii(ArrayBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        buffer.Advance(text.Length);
    }
}
