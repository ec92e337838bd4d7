using System.Globalization;
using System.Text.RegularExpressions;

namespace Registry.Web.Tests.Reports;

public static partial class PdfAssert
{
    /// <summary>Page i of N carries "i / N" in its footer.</summary>
    public static void EveryPageNumbered(PdfFile pdf)
    {
        var pages = pdf.PageTexts;
        Assert.Equal(pdf.Pages, pages.Count);
        for (var i = 0; i < pages.Count; i++)
        {
            var numbers = PageNumber().Matches(pages[i]).Select(m => (Page: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Of: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
            Assert.True(numbers.Contains((i + 1, pages.Count)), $"page {i + 1} of {pages.Count} does not say \"{i + 1} / {pages.Count}\"; its last lines: {string.Join(" | ", pages[i].Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4))}");
        }
    }

    [GeneratedRegex(@"(?m)(?:^|\s)(\d+) ?/ ?(\d+)\s*$")]
    private static partial Regex PageNumber();
}

/// <summary>A service provider with nothing in it: report components need no services.</summary>
public sealed class EmptyServices : IServiceProvider
{
    public static readonly EmptyServices Instance = new();

    public object? GetService(Type serviceType) => null;
}
