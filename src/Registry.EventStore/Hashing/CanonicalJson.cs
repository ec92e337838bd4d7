// RFC 8785 (JSON Canonicalization Scheme), written here because no package for it is available.
// The envelope's bytes are hashed, so they must be reproducible by anyone, in any language:
// object members sorted by their UTF-16 code units, no insignificant whitespace, the minimal
// string escaping of ECMAScript's JSON.stringify, and numbers formatted as ECMAScript's
// Number.prototype.toString (IEEE 754 doubles; integers beyond 2^53 lose precision, as in JCS).
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Registry.EventStore.Hashing;

/// <summary>A value that has no canonical form (NaN, infinity, a lone surrogate, a duplicate key).</summary>
public sealed class CanonicalJsonException(string message) : Exception(message);

public static class CanonicalJson
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The canonical UTF-8 bytes of any JSON text.</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        using var document = JsonDocument.ParseValue(ref reader);
        return Serialize(document.RootElement);
    }

    /// <summary>The canonical UTF-8 bytes of a JSON element.</summary>
    public static byte[] Serialize(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, element);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The canonical UTF-8 bytes of a JSON node (<c>null</c> is the JSON literal).</summary>
    public static byte[] Serialize(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, node);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(IBufferWriter<byte> output, JsonNode? node)
    {
        if (node is null)
        {
            WriteAscii(output, "null");
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                var members = obj.ToList();
                members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                WriteByte(output, (byte)'{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        WriteByte(output, (byte)',');
                    }

                    WriteString(output, members[i].Key);
                    WriteByte(output, (byte)':');
                    Write(output, members[i].Value);
                }

                WriteByte(output, (byte)'}');
                return;
            case JsonArray array:
                WriteByte(output, (byte)'[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        WriteByte(output, (byte)',');
                    }

                    Write(output, array[i]);
                }

                WriteByte(output, (byte)']');
                return;
            case JsonValue value when value.TryGetValue<JsonElement>(out var element):
                Write(output, element);
                return;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.TryGetValue<string>(out var text):
                WriteString(output, text);
                return;
            default:
                // Any other .NET value (decimal, long, DateTime, …): its JSON text as System.Text.Json
                // writes it, canonicalized like any other input.
                byte[] json;
                try
                {
                    json = JsonSerializer.SerializeToUtf8Bytes(node);
                }
                catch (ArgumentException e)
                {
                    throw new CanonicalJsonException(e.Message);
                }

                using (var document = JsonDocument.Parse(json))
                {
                    Write(output, document.RootElement);
                }

                return;
        }
    }

    public static void Write(IBufferWriter<byte> output, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(output, element);
                break;
            case JsonValueKind.Array:
                WriteByte(output, (byte)'[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        WriteByte(output, (byte)',');
                    }

                    first = false;
                    Write(output, item);
                }

                WriteByte(output, (byte)']');
                break;
            case JsonValueKind.String:
                string text;
                try
                {
                    text = element.GetString()!;
                }
                catch (InvalidOperationException e)
                {
                    throw new CanonicalJsonException("a string is not valid Unicode: " + e.Message);
                }

                WriteString(output, text);
                break;
            case JsonValueKind.Number:
                WriteAscii(output, FormatNumber(element.GetDouble()));
                break;
            case JsonValueKind.True:
                WriteAscii(output, "true");
                break;
            case JsonValueKind.False:
                WriteAscii(output, "false");
                break;
            case JsonValueKind.Null:
                WriteAscii(output, "null");
                break;
            default:
                throw new CanonicalJsonException($"no canonical form for a JSON {element.ValueKind}");
        }
    }

    private static void WriteObject(IBufferWriter<byte> output, JsonElement element)
    {
        var members = new List<JsonProperty>();
        foreach (var property in element.EnumerateObject())
        {
            members.Add(property);
        }

        members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        WriteByte(output, (byte)'{');
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                if (string.Equals(members[i - 1].Name, members[i].Name, StringComparison.Ordinal))
                {
                    throw new CanonicalJsonException($"duplicate member name \"{members[i].Name}\"");
                }

                WriteByte(output, (byte)',');
            }

            WriteString(output, members[i].Name);
            WriteByte(output, (byte)':');
            Write(output, members[i].Value);
        }

        WriteByte(output, (byte)'}');
    }

    /// <summary>A string as JSON.stringify writes it: only <c>"</c>, <c>\</c> and C0 controls escaped.</summary>
    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        WriteByte(output, (byte)'"');
        var span = value.AsSpan();
        var start = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(output, span[start..i]);
            WriteAscii(output, c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\t' => "\\t",
                '\n' => "\\n",
                '\f' => "\\f",
                '\r' => "\\r",
                _ => "\\u00" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
            });
            start = i + 1;
        }

        WriteUtf8(output, span[start..]);
        WriteByte(output, (byte)'"');
    }

    /// <summary>ECMAScript's Number.prototype.toString for a finite double (ECMA-262, 7.1.12.1).</summary>
    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new CanonicalJsonException($"{value} has no JSON form");
        }

        if (value == 0)
        {
            return "0"; // also -0
        }

        // "R" is the shortest string that round-trips, the same digits ECMAScript chooses;
        // only the layout (where the point goes, when to switch to an exponent) differs.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = text[0] == '-';
        if (negative)
        {
            text = text[1..];
        }

        var e = text.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? text : text[..e];
        var exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var digits = dot < 0 ? mantissa : integerPart + mantissa[(dot + 1)..];

        // value = 0.digits × 10^n
        var n = integerPart.Length + exponent;
        var leadingZeros = 0;
        while (digits[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        digits = digits[leadingZeros..].TrimEnd('0');
        n -= leadingZeros;
        var k = digits.Length;

        string formatted;
        if (k <= n && n <= 21)
        {
            formatted = digits + new string('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            formatted = digits[..n] + "." + digits[n..];
        }
        else if (-6 < n && n <= 0)
        {
            formatted = "0." + new string('0', -n) + digits;
        }
        else
        {
            var power = n - 1;
            var head = k == 1 ? digits : digits[..1] + "." + digits[1..];
            formatted = head + "e" + (power < 0 ? "-" : "+") + Math.Abs(power).ToString(CultureInfo.InvariantCulture);
        }

        return negative ? "-" + formatted : formatted;
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        int count;
        try
        {
            count = StrictUtf8.GetByteCount(chars);
        }
        catch (EncoderFallbackException)
        {
            throw new CanonicalJsonException("a string holds a lone UTF-16 surrogate, which has no UTF-8 form");
        }

        var span = output.GetSpan(count);
        StrictUtf8.GetBytes(chars, span);
        output.Advance(count);
    }

    private static void WriteAscii(IBufferWriter<byte> output, string ascii)
    {
        var span = output.GetSpan(ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
        {
            span[i] = (byte)ascii[i];
        }

        output.Advance(ascii.Length);
    }

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }
}
