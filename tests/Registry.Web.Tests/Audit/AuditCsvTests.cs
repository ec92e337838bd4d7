using Registry.Web.Features.Audit;

namespace Registry.Web.Tests.Audit;

public sealed class AuditCsvTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Cells_are_quoted_as_RFC_4180_says(string value, string expected) => Assert.Equal(expected, AuditCsv.Cell(value));

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\")")]
    [InlineData("+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    public void A_cell_a_spreadsheet_would_run_as_a_formula_is_defused(string value) => Assert.StartsWith("'", AuditCsv.Cell(value).TrimStart('"'), StringComparison.Ordinal);

    [Fact]
    public void A_line_holds_the_columns_of_the_header_in_order()
    {
        var entry = new AuditEntry(42, "model-churn", 3, "VersionRegistered", "alice", new DateTimeOffset(2026, 11, 21, 12, 34, 56, TimeSpan.Zero).AddTicks(1234560), "retrained, new data", new string('a', 64), new string('b', 64), "{}");

        var line = AuditCsv.Line(entry);

        Assert.Equal($"42,2026-11-21T12:34:56.123456Z,alice,VersionRegistered,model-churn,3,\"retrained, new data\",{new string('a', 64)},{new string('b', 64)}\r\n", line);
        Assert.Equal(9, AuditCsv.Header.Split(',').Length);
    }
}
