// The lineage graph of Registry.Core (datasets → versions → deployments) as the page and the
// drawing script show it: a kind, a name, a second line and the node's own page for each node.
// The portal and the PDF report render it through LineageGraphView, so both read the same.
using System.Globalization;
using System.Text.Json;
using Registry.Core.Models;

namespace Registry.Web.Features.Lineage;

/// <param name="Kind">dataset, version or deployment (the drawing's CSS classes).</param>
/// <param name="Detail">A second line: status, short hash, or when and by whom.</param>
/// <param name="Href">The node's own page.</param>
/// <param name="Current">The node the page is about.</param>
public sealed record DrawnNode(string Id, string Kind, string Label, string? Detail, string? Href, bool Current);

/// <param name="Label">What the edge means in words: the dataset's role, "parent of", "deployed to".</param>
public sealed record DrawnEdge(string From, string To, string Label);

public sealed record LineageDrawing(IReadOnlyList<DrawnNode> Nodes, IReadOnlyList<DrawnEdge> Edges)
{
    public static readonly IReadOnlyList<(string Kind, string Title)> Kinds = [("dataset", "Datasets"), ("version", "Versions"), ("deployment", "Deployments")];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static LineageDrawing From(LineageGraph graph, string? currentId)
    {
        var nodes = graph.Nodes
            .OrderBy(n => KindOrder(n.Kind)).ThenBy(n => n.Label, StringComparer.Ordinal)
            .Select(n => new DrawnNode(n.Id, n.Kind, n.Label, Detail(n), Href(n), n.Id == currentId))
            .ToList();
        var edges = graph.Edges.Select(e => new DrawnEdge(e.From, e.To, EdgeLabel(e))).ToList();
        return new LineageDrawing(nodes, edges);
    }

    public IEnumerable<DrawnNode> OfKind(string kind) => Nodes.Where(n => n.Kind == kind);

    public string NameOf(string id) => Nodes.FirstOrDefault(n => n.Id == id)?.Label ?? id;

    /// <summary>The graph as js/lineage-graph.js reads it from <c>data-graph</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new { nodes = Nodes, edges = Edges }, Json);

    private static int KindOrder(string kind) => kind switch { "dataset" => 0, "version" => 1, _ => 2 };

    private static string? Detail(LineageNode node)
    {
        string? Get(string key) => node.Details.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        return node.Kind switch
        {
            "dataset" => Get("sha256") is { } sha ? "sha256 " + sha[..Math.Min(12, sha.Length)] + "…" : null,
            "version" => Get("status"),
            "deployment" => string.Join(" · ", new[] { When(Get("deployedAt")), Get("deployedBy") }.Where(s => s is not null)),
            _ => null,
        };
    }

    private static string? When(string? rfc3339) =>
        DateTimeOffset.TryParse(rfc3339, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : rfc3339;

    private static string? Href(LineageNode node)
    {
        string? Get(string key) => node.Details.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        return node.Kind switch
        {
            "dataset" when Get("sha256") is { } sha => "/datasets/" + sha,
            "version" when Get("model") is { } model && Get("version") is { } version => $"/models/{Uri.EscapeDataString(model)}/versions/{version}",
            "deployment" when ModelOfDeployment(node.Id) is { } model => $"/models/{Uri.EscapeDataString(model)}#deployments",
            _ => null,
        };
    }

    /// <summary>The model named in a deployment node's id (<c>deployment:NAME@N#I</c>).</summary>
    private static string? ModelOfDeployment(string id)
    {
        const string prefix = "deployment:";
        var at = id.LastIndexOf('@');
        return id.StartsWith(prefix, StringComparison.Ordinal) && at > prefix.Length ? id[prefix.Length..at] : null;
    }

    private static string EdgeLabel(LineageEdge edge) => edge.Kind switch
    {
        "trained-on" => edge.Role ?? "dataset",
        "parent-of" => "parent of",
        "deployed-to" => "deployed to",
        _ => edge.Kind,
    };
}
