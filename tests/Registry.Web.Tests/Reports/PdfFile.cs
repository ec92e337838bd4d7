// Reads a PDF back the way a person checking it would: poppler's pdfinfo and pdftotext, and qpdf --check.
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Registry.Web.Tests.Reports;

public sealed partial class PdfFile : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"registry-test-{Guid.NewGuid():N}.pdf");

    public PdfFile(byte[] bytes)
    {
        Assert.True(bytes.Length > 4 && bytes[0] == '%' && bytes[1] == 'P' && bytes[2] == 'D' && bytes[3] == 'F', "not a PDF");
        File.WriteAllBytes(_path, bytes);
    }

    public int Pages => int.Parse(InfoField("Pages"), CultureInfo.InvariantCulture);

    /// <summary>Page size in points as pdfinfo prints it, e.g. "594.96 x 841.92 pts (A4)".</summary>
    public string PageSize => InfoField("Page size");

    /// <summary>The text of every page, in order (pdftotext separates pages with form feeds).</summary>
    public IReadOnlyList<string> PageTexts
    {
        get
        {
            var pages = Run("pdftotext", "-enc", "UTF-8", _path, "-").Split('\f');
            return pages.Take(Pages).ToList();
        }
    }

    public string Text => string.Join("\n", PageTexts);

    /// <summary>The text with every run of white space made one space: a phrase wrapped in a narrow column still matches.</summary>
    public string NormalizedText => Whitespace().Replace(Text, " ");

    /// <summary>The text with all white space removed: a hash wrapped across lines still matches.</summary>
    public string CompactText => Whitespace().Replace(Text, "");

    /// <summary>qpdf --check's verdict; throws with its output when the file has errors.</summary>
    public string Check() => Run("qpdf", "--check", _path);

    public string Fonts => Run("pdffonts", _path);

    private string InfoField(string name)
    {
        foreach (var line in Run("pdfinfo", _path).Split('\n'))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        throw new InvalidOperationException($"pdfinfo printed no {name}");
    }

    private static string Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {error}{output.Result}");
        return output.Result;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public void Dispose() => File.Delete(_path);
}
