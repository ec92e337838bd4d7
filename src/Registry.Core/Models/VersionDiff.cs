// What changed between two versions: datasets keyed by (role, name), dependencies by (ecosystem,
// name) with the direction of a version change, parameters, metrics with their delta, and notes as
// a line diff (DiffPlex).
using System.Globalization;
using System.Text.Json;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace Registry.Core.Models;

public sealed record Changes<TItem, TChange>(IReadOnlyList<TItem> Added, IReadOnlyList<TItem> Removed, IReadOnlyList<TChange> Changed);

public sealed record DatasetChange(string Role, string Name, Dataset From, Dataset To);

/// <summary><c>Change</c>: upgraded, downgraded, or rehashed (same version, other content hash).</summary>
public sealed record DependencyChange(string Ecosystem, string Name, string FromVersion, string ToVersion, string Change, string? FromSha256, string? ToSha256);

public sealed record NamedValue<T>(string Name, T Value);

public sealed record ParameterChange(string Name, JsonElement From, JsonElement To);

public sealed record MetricChange(string Name, double From, double To, double Delta);

/// <summary>One line of the notes diff: <c>Kind</c> is unchanged, inserted or deleted.</summary>
public sealed record NotesLine(string Kind, string Text);

public sealed record VersionDiff(
    int From,
    int To,
    Changes<Dataset, DatasetChange> Datasets,
    Changes<Dependency, DependencyChange> Dependencies,
    Changes<NamedValue<JsonElement>, ParameterChange> Parameters,
    Changes<NamedValue<double>, MetricChange> Metrics,
    IReadOnlyList<NotesLine> Notes)
{
    public static VersionDiff Between(VersionRegistered from, VersionRegistered to)
    {
        var datasets = Compare(
            from.Datasets, to.Datasets, d => (d.Role, d.Name),
            (a, b) => a.Sha256 != b.Sha256 || a.Uri != b.Uri || a.Rows != b.Rows ? new DatasetChange(b.Role, b.Name, a, b) : null);
        var dependencies = Compare(
            from.Dependencies, to.Dependencies, d => (d.Ecosystem, d.Name),
            (a, b) =>
            {
                var order = CompareVersions(a.Version, b.Version);
                var change = order < 0 ? "upgraded" : order > 0 ? "downgraded" : a.Version != b.Version ? "changed" : a.Sha256 != b.Sha256 ? "rehashed" : null;
                return change is null ? null : new DependencyChange(b.Ecosystem, b.Name, a.Version, b.Version, change, a.Sha256, b.Sha256);
            });
        var parameters = Compare(
            Named(from.Parameters), Named(to.Parameters), p => p.Name,
            (a, b) => SameValue(a.Value, b.Value) ? null : new ParameterChange(a.Name, a.Value, b.Value));
        var metrics = Compare(
            Named(from.Metrics), Named(to.Metrics), m => m.Name,
            (a, b) => a.Value.Equals(b.Value) ? null : new MetricChange(a.Name, a.Value, b.Value, b.Value - a.Value));
        return new VersionDiff(from.Version, to.Version, datasets, dependencies, parameters, metrics, NotesDiff(from.Notes, to.Notes));
    }

    /// <summary>Compares dotted versions part by part, numerically where both parts are numbers (1.10 &gt; 1.9).</summary>
    public static int CompareVersions(string a, string b)
    {
        var left = a.Split('.', '-', '+', '_');
        var right = b.Split('.', '-', '+', '_');
        for (var i = 0; i < Math.Max(left.Length, right.Length); i++)
        {
            if (i >= left.Length)
            {
                return -1;
            }

            if (i >= right.Length)
            {
                return 1;
            }

            var order = long.TryParse(left[i], NumberStyles.None, CultureInfo.InvariantCulture, out var x) && long.TryParse(right[i], NumberStyles.None, CultureInfo.InvariantCulture, out var y)
                ? x.CompareTo(y)
                : string.CompareOrdinal(left[i], right[i]);
            if (order != 0)
            {
                return Math.Sign(order);
            }
        }

        return 0;
    }

    private static IReadOnlyList<NotesLine> NotesDiff(string? from, string? to)
    {
        if ((from ?? "") == (to ?? ""))
        {
            return [];
        }

        var model = new InlineDiffBuilder(new DiffPlex.Differ()).BuildDiffModel(from ?? "", to ?? "", ignoreWhitespace: false);
        return [.. model.Lines.Select(l => new NotesLine(
            l.Type switch { ChangeType.Inserted => "inserted", ChangeType.Deleted => "deleted", _ => "unchanged" },
            l.Text))];
    }

    private static List<NamedValue<T>> Named<T>(IReadOnlyDictionary<string, T> values) =>
        [.. values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new NamedValue<T>(kv.Key, kv.Value))];

    private static bool SameValue(JsonElement a, JsonElement b) =>
        a.ValueKind == b.ValueKind && (a.ValueKind == JsonValueKind.Number ? a.GetDouble().Equals(b.GetDouble()) : a.GetRawText() == b.GetRawText());

    private static Changes<T, TChange> Compare<T, TKey, TChange>(IReadOnlyList<T> from, IReadOnlyList<T> to, Func<T, TKey> key, Func<T, T, TChange?> change)
        where TKey : notnull
        where TChange : class
    {
        var before = from.ToDictionary(key);
        var after = to.ToDictionary(key);
        return new Changes<T, TChange>(
            [.. to.Where(t => !before.ContainsKey(key(t)))],
            [.. from.Where(f => !after.ContainsKey(key(f)))],
            [.. to.Where(t => before.ContainsKey(key(t))).Select(t => change(before[key(t)], t)).OfType<TChange>()]);
    }
}
