// The report stylesheet (an embedded resource, so a report never depends on the web root being present)
// and the per-report pieces of CSS and content security policy.
using System.Security.Cryptography;
using System.Text;

namespace Registry.Web.Features.Reports;

public static class ReportStyles
{
    private static readonly Lazy<string> Embedded = new(() =>
    {
        using var stream = typeof(ReportStyles).Assembly.GetManifestResourceStream("Registry.Web.Features.Reports.report.css")
            ?? throw new InvalidOperationException("The report stylesheet is missing from the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    public static string Sheet => Embedded.Value;

    /// <summary>The page footer naming the report, as a CSS margin box.</summary>
    public static string RunningFooter(string text) =>
        $"@page {{ @bottom-left {{ content: {CssString(text)}; font: 7pt \"DejaVu Sans\", sans-serif; color: #555; }} }}";

    /// <summary>Nothing may be fetched; inline styles are ours; a script runs only if it is the one we put there.</summary>
    public static string ContentSecurityPolicy(string? script)
    {
        var scripts = script is { Length: > 0 }
            ? $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)))}'"
            : "'none'";
        return $"default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; script-src {scripts}";
    }

    /// <summary>A CSS string literal that cannot end the string or the style element.</summary>
    public static string CssString(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' or '\\' or '<' or '>' or '&' or '\r' or '\n' or < ' ' => builder.Append('\\').Append(((int)c).ToString("X", System.Globalization.CultureInfo.InvariantCulture)).Append(' '),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }
}
