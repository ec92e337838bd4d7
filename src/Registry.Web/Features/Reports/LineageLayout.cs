// Lays out a model's lineage for print: datasets on the left, versions in the middle, environments on
// the right, parent links as arcs beside the versions. Deterministic (the same log prints the same
// picture) and cut into parts of at most PartSize versions, so a model with hundreds of versions
// still prints legibly page by page.
namespace Registry.Web.Features.Reports;

public sealed record LineageBox(string Id, string Kind, string Label, string? Detail, double X, double Y, double Width, double Height)
{
    public double MidY => Y + (Height / 2);
}

/// <summary>An edge: its curve, and its arrowhead as a closed triangle ending where the curve ends.</summary>
public sealed record LineagePath(string Kind, string D, string Arrow);

public sealed record LineagePart(string Caption, double Width, double Height, IReadOnlyList<LineageBox> Boxes, IReadOnlyList<LineagePath> Paths);

public static class LineageLayout
{
    public const int PartSize = 24;
    public const double Width = 760;

    private const double Row = 34;
    private const double ArrowLength = 6;
    private const double BoxHeight = 28;
    private const double DatasetX = 0, DatasetWidth = 250;
    private const double VersionX = 320, VersionWidth = 150;
    private const double EnvironmentX = 600, EnvironmentWidth = 160;

    public static IReadOnlyList<LineagePart> Parts(LineageFacts lineage)
    {
        var nodes = lineage.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var versions = lineage.Nodes.Where(n => n.Kind == "version").ToList();
        if (versions.Count == 0)
        {
            return [];
        }

        var parts = new List<LineagePart>();
        for (var start = 0; start < versions.Count; start += PartSize)
        {
            var chunk = versions.Skip(start).Take(PartSize).ToList();
            var caption = versions.Count <= PartSize ? "" : $"{chunk[0].Label} to {chunk[^1].Label}";
            parts.Add(Part(caption, chunk, lineage.Edges, nodes));
        }

        return parts;
    }

    private static LineagePart Part(string caption, List<LineageNode> versions, IReadOnlyList<LineageEdge> edges, Dictionary<string, LineageNode> nodes)
    {
        var inPart = versions.Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
        var touching = edges.Where(e => inPart.Contains(e.From) || inPart.Contains(e.To)).ToList();
        var datasets = touching.Where(e => inPart.Contains(e.To) && Kind(nodes, e.From) == "dataset").Select(e => e.From).Distinct(StringComparer.Ordinal).ToList();
        var environments = touching.Where(e => inPart.Contains(e.From) && Kind(nodes, e.To) is "deployment" or "environment").Select(e => e.To).Distinct(StringComparer.Ordinal).ToList();

        var rows = Math.Max(versions.Count, Math.Max(datasets.Count, environments.Count));
        var height = (rows * Row) + 4;
        var boxes = new Dictionary<string, LineageBox>(StringComparer.Ordinal);
        Place(boxes, versions, VersionX, VersionWidth, height);
        Place(boxes, datasets.Select(id => nodes[id]).ToList(), DatasetX, DatasetWidth, height);
        Place(boxes, environments.Select(id => nodes[id]).ToList(), EnvironmentX, EnvironmentWidth, height);

        var paths = new List<LineagePath>();
        foreach (var edge in touching)
        {
            if (!boxes.TryGetValue(edge.From, out var from) || !boxes.TryGetValue(edge.To, out var to))
            {
                continue;
            }

            if (from.Kind == "version" && to.Kind == "version")
            {
                // A parent link: an arc to the right of the version column.
                var x = from.X + from.Width;
                var bulge = x + 18 + (Math.Abs(to.MidY - from.MidY) / Row * 6);
                paths.Add(new LineagePath("parent", Invariant($"M{x},{from.MidY} C{bulge},{from.MidY} {bulge},{to.MidY} {x},{to.MidY}"), Arrowhead(x, to.MidY, pointsRight: false)));
            }
            else
            {
                var x1 = from.X + from.Width;
                var x2 = to.X;
                var mid = (x1 + x2) / 2;
                paths.Add(new LineagePath(edge.Kind, Invariant($"M{x1},{from.MidY} C{mid},{from.MidY} {mid},{to.MidY} {x2},{to.MidY}"), Arrowhead(x2, to.MidY, pointsRight: true)));
            }
        }

        return new LineagePart(caption, Width, height, boxes.Values.ToList(), paths);
    }

    // Every curve ends horizontally (its last control point shares the end's y), so its arrowhead is a
    // horizontal triangle. Drawn as plain paths rather than SVG markers: Chromium prints each marker
    // instance as a separate drawing, which made the lineage pages of a long history the slowest to print.
    private static string Arrowhead(double x, double y, bool pointsRight)
    {
        var back = pointsRight ? x - ArrowLength : x + ArrowLength;
        return Invariant($"M{back},{y - (ArrowLength / 2)} L{x},{y} L{back},{y + (ArrowLength / 2)} Z");
    }

    private static void Place(Dictionary<string, LineageBox> boxes, List<LineageNode> column, double x, double width, double height)
    {
        if (column.Count == 0)
        {
            return;
        }

        // Spread a short column over the height, so edges fan out instead of bunching at the top.
        var step = Math.Max(Row, (height - 4) / column.Count);
        for (var i = 0; i < column.Count; i++)
        {
            var node = column[i];
            var y = 2 + (i * step) + ((step - BoxHeight) / 2);
            boxes[node.Id] = new LineageBox(node.Id, node.Kind, node.Label, node.Detail, x, y, width, BoxHeight);
        }
    }

    private static string Kind(Dictionary<string, LineageNode> nodes, string id) => nodes.TryGetValue(id, out var node) ? node.Kind : "";

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>Cuts a label to fit a box of <paramref name="width"/> units at the diagram's font size.</summary>
    public static string Fit(string text, double width, double charWidth = 5.6)
    {
        var max = (int)((width - 12) / charWidth);
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(1, max - 1)), "…");
    }
}
