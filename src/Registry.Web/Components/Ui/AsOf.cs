// "As of" comes from the query string: an RFC 3339 time, or what a datetime-local control sends
// (no offset, read as UTC because every time in the registry is UTC).
using System.Globalization;

namespace Registry.Web.Components.Ui;

public static class AsOf
{
    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd"];

    /// <summary>Parses the <c>asOf</c> query value; null when absent or unreadable.</summary>
    public static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (DateTime.TryParseExact(value, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var local))
        {
            return new DateTimeOffset(local, TimeSpan.Zero);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.ToUniversalTime()
            : null;
    }

    /// <summary>
    /// The value for a datetime-local input (UTC, to the second), in HTML's normalized form: without the
    /// seconds when they are zero, as the browser itself holds such a value.
    /// </summary>
    public static string ToInputValue(DateTimeOffset value) =>
        value.UtcDateTime.ToString(value.Second == 0 ? "yyyy-MM-dd'T'HH:mm" : "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// The canonical query value (RFC 3339 UTC), so a cited URL means one instant: whole seconds as
    /// <c>…:15Z</c>, and any fraction kept (<c>…:15.25Z</c>), so a link from an as-of page (a version, the
    /// dossier) shows exactly the state the page shows, not the state up to a second earlier.
    /// </summary>
    public static string ToQueryValue(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
