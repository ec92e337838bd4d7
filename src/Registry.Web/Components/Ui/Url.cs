// Links that carry state in the query string (filters, sort, page, asOf) are built here, escaped once.
using System.Text;

namespace Registry.Web.Components.Ui;

public static class Url
{
    /// <summary><paramref name="path"/> with the non-empty parameters appended in order.</summary>
    public static string With(string path, params (string Name, string? Value)[] parameters)
    {
        var builder = new StringBuilder(path);
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            builder.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return builder.ToString();
    }

    /// <summary>A path segment (a model name) escaped for a URL.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public static string Model(string name) => "/models/" + Segment(name);

    public static string Version(string model, int version) => $"/models/{Segment(model)}/versions/{version}";

    public static string Diff(string model, int from, int to) => With($"/models/{Segment(model)}/diff", ("from", from.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("to", to.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
