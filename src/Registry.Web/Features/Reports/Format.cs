// How reports write times, numbers and hashes: one place, invariant culture, UTC.
using System.Globalization;

namespace Registry.Web.Features.Reports;

public static class Format
{
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A time in a column whose heading says UTC.</summary>
    public static string TimeInUtcColumn(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) => at is { } value ? Time(value) : "—";

    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("G10", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Bytes(long? bytes) => bytes switch
    {
        null => "—",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.##} GiB"),
    };

    /// <summary>A hash shortened for diagrams: first and last eight characters.</summary>
    public static string ShortHash(string hash) => hash.Length <= 20 ? hash : $"{hash[..8]}…{hash[^8..]}";

    public static string OrDash(string? text) => string.IsNullOrWhiteSpace(text) ? "—" : text;
}
