// The lineage of a version or a dataset as a small graph: datasets feed versions, a version is the
// parent of the next, versions are deployed to environments. The portal draws it with
// wwwroot/js/lineage-graph.js and lists it as HTML; the PDF report renders the same component.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Web.Features.Lineage;

[JsonConverter(typeof(JsonStringEnumConverter<LineageNodeKind>))]
public enum LineageNodeKind
{
    [JsonStringEnumMemberName("dataset")] Dataset,
    [JsonStringEnumMemberName("version")] Version,
    [JsonStringEnumMemberName("deployment")] Deployment,
}

/// <param name="Id">Unique within the graph, e.g. <c>dataset:ab12…</c>, <c>version:churn/3</c>.</param>
/// <param name="Label">The node's name as people say it ("churn v3", "customers.parquet", "production").</param>
/// <param name="Detail">A second line: a short hash, a status, a date.</param>
/// <param name="Href">The node's own page, when it has one.</param>
/// <param name="Current">The node the page is about.</param>
public sealed record LineageNode(string Id, LineageNodeKind Kind, string Label, string? Detail, string? Href, bool Current = false);

/// <param name="Label">What the edge means: the dataset's role, "parent", "deployed".</param>
public sealed record LineageEdge(string From, string To, string Label);

public sealed record LineageGraph(IReadOnlyList<LineageNode> Nodes, IReadOnlyList<LineageEdge> Edges)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static readonly LineageGraph Empty = new([], []);

    public IEnumerable<LineageNode> OfKind(LineageNodeKind kind) => Nodes.Where(n => n.Kind == kind);

    public LineageNode? Find(string id) => Nodes.FirstOrDefault(n => n.Id == id);

    /// <summary>The graph as the drawing script reads it from <c>data-graph</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            nodes = Nodes.Select(n => new { id = n.Id, kind = n.Kind, label = n.Label, detail = n.Detail, href = n.Href, current = n.Current }),
            edges = Edges.Select(e => new { from = e.From, to = e.To, label = e.Label }),
        },
        Json);
}
