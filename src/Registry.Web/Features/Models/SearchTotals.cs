// Exact totals of model searches, remembered per log head. Counting the matches of a common word is
// most of a search's cost (each of up to a thousand matches at benchmark scale is rechecked), and
// the same search is asked again and again: each page of it, the API's and the portal's lists. The
// read tables change only in the transaction of an append, which also moves registry.log_head, so a
// total counted at head H is the total of every snapshot whose head is H (a projection rebuild replays
// the same log into the same rows). The count query reads the head and counts only when the head is
// not the remembered one, in the same statement (one snapshot), so nothing here can be stale.
// The remembered total also chooses how the next page of the search is found (decision 0013): a word
// that matches a large share of the models is found by walking the index of the page's order.
using System.Collections.Concurrent;

namespace Registry.Web.Features.Models;

/// <summary>How a search's page is found; both give the same rows in the same order.</summary>
public enum SearchPlan
{
    /// <summary>Every match from the trigram index, rechecked and sorted; the page is cut from them.</summary>
    TrigramIndex,

    /// <summary>The index of the page's order, walked and filtered until the page is full.</summary>
    OrderIndex,
}

public sealed class SearchTotals
{
    /// <summary>Searches remembered at once; beyond it the memory starts afresh (a search is a few hundred bytes).</summary>
    public const int Capacity = 2048;

    /// <summary>
    /// How many more rows the walk may read than the trigram index would recheck. Measured at
    /// 10,000 models (decision 0013): a walked row costs about 0.3 µs of database time, a trigram
    /// match about 1.7 µs (GIN lookup, recheck, sort), so the walk still wins at about 7 times the
    /// rows; 4 leaves room for matches bunched late in the order.
    /// </summary>
    public const int WalkedRowsPerMatch = 4;

    private readonly ConcurrentDictionary<string, (long Head, long Total, long Models)> _totals = new(StringComparer.Ordinal);

    /// <summary>
    /// The SQL of (head, total, models) for the search counted by <paramref name="count"/>: the
    /// remembered total while the head is <paramref name="head"/>, else a count (PostgreSQL runs the
    /// subquery only when the CASE reaches it), and PostgreSQL's estimate of how many models there are
    /// (<c>pg_class.reltuples</c>, kept by autovacuum; -1 before the table was first analyzed), which
    /// only chooses the plan. <paramref name="head"/> and <paramref name="total"/> are the SQL
    /// parameter names (such as <c>$2</c>) that carry <see cref="Remembered"/>.
    /// </summary>
    /// <remarks>
    /// The head row is read by its key: the portal's search turns sequential scans off, and a disabled
    /// scan's cost made PostgreSQL JIT-compile the statement (a quarter of a second per search).
    /// </remarks>
    public static string Sql(string count, string head, string total) =>
        $"SELECT h.position, CASE WHEN h.position = {head} THEN {total} ELSE ({count}) END, " +
        "(SELECT c.reltuples::bigint FROM pg_class c WHERE c.oid = 'registry.models'::regclass) FROM registry.log_head h WHERE h.singleton";

    /// <summary>A search's key: its parts, each prefixed with its length, so no two searches share one.</summary>
    public static string Key(params IEnumerable<object?> parts) =>
        string.Concat(parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture) is { } text ? $"{text.Length}:{text}" : "-"));

    /// <summary>The head and total last counted for the search <paramref name="key"/> (the head is -1, which no log has, when none was).</summary>
    public (long Head, long Total) Remembered(string key) => _totals.TryGetValue(key, out var known) ? (known.Head, known.Total) : (-1, 0);

    /// <summary>
    /// How to find the page of <paramref name="limit"/> rows after <paramref name="offset"/> of the search
    /// <paramref name="key"/>: by the last total remembered, at whatever head (an old total is still a
    /// fair guess of how common the word is; the plan never changes the answer). A search never
    /// answered before uses the trigram index, which costs what its matches cost.
    /// </summary>
    public SearchPlan Plan(string key, long offset, int limit) =>
        _totals.TryGetValue(key, out var known) && Walks(known.Total, known.Models, offset, limit) ? SearchPlan.OrderIndex : SearchPlan.TrigramIndex;

    /// <summary>
    /// Whether walking the order's index is cheaper: with <paramref name="total"/> of
    /// <paramref name="models"/> rows matching, spread over the order, the walk reads about
    /// (offset + limit) × models / total rows before the page is full; the trigram index rechecks all
    /// <paramref name="total"/> matches and sorts them.
    /// </summary>
    public static bool Walks(long total, long models, long offset, int limit) =>
        total > 0 && models > 0 && (offset + (double)limit) * models / total <= (double)WalkedRowsPerMatch * total;

    public void Remember(string key, long head, long total, long models)
    {
        if (_totals.Count >= Capacity)
        {
            _totals.Clear();
        }

        _totals[key] = (head, total, models);
    }
}
