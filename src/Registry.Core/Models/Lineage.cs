// Where a version comes from and where it went: its datasets, its chain of parent versions (with
// their datasets), and its deployments, as a graph the portal and reports draw the same way.
namespace Registry.Core.Models;

/// <summary><c>Kind</c>: version, dataset or deployment. <c>Id</c> is stable: version:NAME@N, dataset:SHA256, deployment:NAME@N#I.</summary>
public sealed record LineageNode(string Id, string Kind, string Label, IReadOnlyDictionary<string, string> Details);

/// <summary><c>Kind</c>: trained-on (the dataset's role in Details), parent-of, deployed-to.</summary>
public sealed record LineageEdge(string From, string To, string Kind, string? Role);

public sealed record LineageGraph(IReadOnlyList<LineageNode> Nodes, IReadOnlyList<LineageEdge> Edges)
{
    public static LineageGraph For(ModelState model, int version)
    {
        var nodes = new Dictionary<string, LineageNode>();
        var edges = new List<LineageEdge>();
        var visited = new HashSet<int>();
        for (int? current = version; current is { } number && visited.Add(number) && model.Versions.TryGetValue(number, out var v); current = v.Registration.ParentVersion)
        {
            var id = VersionId(model.Name, number);
            nodes[id] = new LineageNode(id, "version", $"{model.Name} v{number}", new Dictionary<string, string>
            {
                ["model"] = model.Name,
                ["version"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["status"] = v.Status,
                ["artifactSha256"] = v.Registration.Artifact.Sha256,
            });
            foreach (var d in v.Registration.Datasets)
            {
                var datasetId = "dataset:" + d.Sha256;
                nodes.TryAdd(datasetId, new LineageNode(datasetId, "dataset", d.Name, new Dictionary<string, string> { ["sha256"] = d.Sha256, ["uri"] = d.Uri ?? "" }));
                edges.Add(new LineageEdge(datasetId, id, "trained-on", d.Role));
            }

            if (v.Registration.ParentVersion is { } parent && model.Versions.ContainsKey(parent))
            {
                edges.Add(new LineageEdge(VersionId(model.Name, parent), id, "parent-of", null));
            }
        }

        var deployments = model.Deployments.Select((d, i) => (d, i)).Where(x => x.d.Version == version);
        foreach (var (d, i) in deployments)
        {
            var id = $"deployment:{model.Name}@{version}#{i + 1}";
            nodes[id] = new LineageNode(id, "deployment", d.Environment, new Dictionary<string, string>
            {
                ["environment"] = d.Environment,
                ["reference"] = d.Reference ?? "",
                ["deployedBy"] = d.DeployedBy,
                ["deployedAt"] = d.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            });
            edges.Add(new LineageEdge(VersionId(model.Name, version), id, "deployed-to", null));
        }

        return new LineageGraph([.. nodes.Values], edges);
    }

    private static string VersionId(string model, int version) => $"version:{model}@{version}";
}
