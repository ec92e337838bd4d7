// Times in query strings: what a datetime-local input submits ("2026-11-21T14:30", read as UTC)
// or a full RFC 3339 time; written back at minute precision so the input shows it.
using System.Globalization;

namespace Registry.Web.Features.Audit;

public static class QueryTime
{
    /// <summary>Blank is "no time" (true, null); anything else must read as a time.</summary>
    public static bool TryParse(string? value, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    public const string Expected = "expected a date and time such as 2026-11-21T14:30, in UTC";
}
