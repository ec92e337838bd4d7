// Exact totals of model searches, remembered per log head. Counting the matches of a common word is
// most of a search's cost (each of up to a thousand matches at benchmark scale is rechecked), and
// the same search is asked again and again: each page of it, the API's and the portal's lists. The
// read tables change only in the transaction of an append, which also moves registry.log_head, so a
// total counted at head H is the total of every snapshot whose head is H (a projection rebuild replays
// the same log into the same rows). The count query reads the head and counts only when the head is
// not the remembered one, in the same statement (one snapshot), so nothing here can be stale.
using System.Collections.Concurrent;

namespace Registry.Web.Features.Models;

public sealed class SearchTotals
{
    /// <summary>Searches remembered at once; beyond it the memory starts afresh (a search is a few hundred bytes).</summary>
    public const int Capacity = 2048;

    private readonly ConcurrentDictionary<string, (long Head, long Total)> _totals = new(StringComparer.Ordinal);

    /// <summary>
    /// The SQL of (head, total) for the search counted by <paramref name="count"/>: the remembered
    /// total while the head is <paramref name="head"/>, else a count (PostgreSQL runs the subquery
    /// only when the CASE reaches it). <paramref name="head"/> and <paramref name="total"/> are the
    /// SQL parameter names (such as <c>$2</c>) that carry <see cref="Remembered"/>.
    /// </summary>
    /// <remarks>
    /// The head row is read by its key: the portal's search turns sequential scans off, and a disabled
    /// scan's cost made PostgreSQL JIT-compile the statement (a quarter of a second per search).
    /// </remarks>
    public static string Sql(string count, string head, string total) =>
        $"SELECT h.position, CASE WHEN h.position = {head} THEN {total} ELSE ({count}) END FROM registry.log_head h WHERE h.singleton";

    /// <summary>A search's key: its parts, each prefixed with its length, so no two searches share one.</summary>
    public static string Key(params IEnumerable<object?> parts) =>
        string.Concat(parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture) is { } text ? $"{text.Length}:{text}" : "-"));

    /// <summary>The head and total last counted for the search <paramref name="key"/> (the head is -1, which no log has, when none was).</summary>
    public (long Head, long Total) Remembered(string key) => _totals.TryGetValue(key, out var known) ? known : (-1, 0);

    public void Remember(string key, long head, long total)
    {
        if (_totals.Count >= Capacity)
        {
            _totals.Clear();
        }

        _totals[key] = (head, total);
    }
}
