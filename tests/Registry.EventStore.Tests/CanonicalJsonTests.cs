using System.Text;
using System.Text.Json.Nodes;
using Registry.EventStore.Hashing;

namespace Registry.EventStore.Tests;

public sealed class CanonicalJsonTests
{
    private static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void The_RFC_8785_example_canonicalizes_to_the_published_bytes()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        Assert.Equal("""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""", Canonical(input));
    }

    [Fact]
    public void Members_sort_by_UTF16_code_units_as_in_RFC_8785_section_3_2_3()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;

        var bytes = CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(input));

        Assert.Equal(
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
            "\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
            Encoding.UTF8.GetString(bytes));
    }

    // RFC 8785 appendix B: IEEE 754 bit patterns and their ECMAScript string.
    [Theory]
    [InlineData("0000000000000000", "0")]
    [InlineData("8000000000000000", "0")]
    [InlineData("0000000000000001", "5e-324")]
    [InlineData("8000000000000001", "-5e-324")]
    [InlineData("7fefffffffffffff", "1.7976931348623157e+308")]
    [InlineData("ffefffffffffffff", "-1.7976931348623157e+308")]
    [InlineData("4340000000000000", "9007199254740992")]
    [InlineData("c340000000000000", "-9007199254740992")]
    [InlineData("4430000000000000", "295147905179352830000")]
    [InlineData("44b52d02c7e14af5", "9.999999999999997e+22")]
    [InlineData("44b52d02c7e14af6", "1e+23")]
    [InlineData("44b52d02c7e14af7", "1.0000000000000001e+23")]
    [InlineData("444b1ae4d6e2ef4e", "999999999999999700000")]
    [InlineData("444b1ae4d6e2ef4f", "999999999999999900000")]
    [InlineData("444b1ae4d6e2ef50", "1e+21")]
    [InlineData("3eb0c6f7a0b5ed8c", "9.999999999999997e-7")]
    [InlineData("3eb0c6f7a0b5ed8d", "0.000001")]
    [InlineData("41b3de4355555553", "333333333.3333332")]
    [InlineData("41b3de4355555554", "333333333.33333325")]
    [InlineData("41b3de4355555555", "333333333.3333333")]
    [InlineData("41b3de4355555556", "333333333.3333334")]
    [InlineData("41b3de4355555557", "333333333.33333343")]
    [InlineData("becbf647612f3696", "-0.0000033333333333333333")]
    [InlineData("43143ff3c1cb0959", "1424953923781206.2")]
    public void Numbers_format_as_ECMAScript_does_for_the_RFC_8785_appendix_B_values(string bits, string expected)
    {
        var value = BitConverter.Int64BitsToDouble(Convert.ToInt64(bits, 16));

        Assert.Equal(expected, CanonicalJson.FormatNumber(value));
    }

    [Theory]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(123e-20, "1.23e-18")]
    [InlineData(0.1, "0.1")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(42, "42")]
    public void Numbers_switch_to_exponent_form_where_ECMAScript_does(double value, string expected) =>
        Assert.Equal(expected, CanonicalJson.FormatNumber(value));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NaN_and_infinities_have_no_canonical_form(double value) =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.FormatNumber(value));

    [Fact]
    public void Strings_escape_only_quote_backslash_and_control_characters()
    {
        var node = new JsonObject { ["s"] = "a\"b\\c\u0001\u001f\b\t\n\f\r\u007f\u2028é<>&'/" };

        Assert.Equal("{\"s\":\"a\\\"b\\\\c\\u0001\\u001f\\b\\t\\n\\f\\r\u007f\u2028é<>&'/\"}", Encoding.UTF8.GetString(CanonicalJson.Serialize(node)));
    }

    [Fact]
    public void A_lone_surrogate_is_rejected() =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Serialize(new JsonObject { ["s"] = "\ud800" }));

    [Fact]
    public void Duplicate_member_names_are_rejected() =>
        Assert.Throws<CanonicalJsonException>(() => Canonical("""{"a":1,"a":2}"""));

    [Fact]
    public void Nested_objects_and_arrays_have_no_whitespace_and_sorted_members()
    {
        var node = JsonNode.Parse("""{ "b": [ 1 , { "z": true, "a": null } ], "a": { } }""");

        Assert.Equal("""{"a":{},"b":[1,{"a":null,"z":true}]}""", Encoding.UTF8.GetString(CanonicalJson.Serialize(node)));
    }

    [Fact]
    public void Dotnet_values_in_nodes_are_written_as_their_canonical_json()
    {
        var node = new JsonObject { ["decimal"] = 4.50m, ["long"] = 9007199254740993L, ["negativeZero"] = -0.0, ["int"] = 7 };

        Assert.Equal("""{"decimal":4.5,"int":7,"long":9007199254740992,"negativeZero":0}""", Encoding.UTF8.GetString(CanonicalJson.Serialize(node)));
    }
}
