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
        var chain = new List<(int, string, VersionRegistered)>();
        var visited = new HashSet<int>();
        for (int? current = version; current is { } number && visited.Add(number) && model.Versions.TryGetValue(number, out var v); current = v.Registration.ParentVersion)
        {
            chain.Add((number, v.Status, v.Registration));
        }

        return For(model.Name, chain, model.Deployments.Select((d, i) => (i + 1, d)).Where(x => x.d.Version == version));
    }

    /// <summary>
    /// The graph from its parts: <paramref name="chain"/> is the version, then its parent, its parent's
    /// parent and so on; <paramref name="deployments"/> are the version's deployments, each with its
    /// ordinal among all the model's deployments (1 = the model's first), which keeps node ids stable.
    /// </summary>
    public static LineageGraph For(string model, IReadOnlyList<(int Number, string Status, VersionRegistered Registration)> chain, IEnumerable<(int Ordinal, DeploymentState Deployment)> deployments)
    {
        var nodes = new Dictionary<string, LineageNode>();
        var edges = new List<LineageEdge>();
        var numbers = chain.Select(c => c.Number).ToHashSet();
        foreach (var (number, status, registration) in chain)
        {
            var id = VersionId(model, number);
            nodes[id] = new LineageNode(id, "version", $"{model} v{number}", new Dictionary<string, string>
            {
                ["model"] = model,
                ["version"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["status"] = status,
                ["artifactSha256"] = registration.Artifact.Sha256,
            });
            foreach (var d in registration.Datasets)
            {
                var datasetId = "dataset:" + d.Sha256;
                nodes.TryAdd(datasetId, new LineageNode(datasetId, "dataset", d.Name, new Dictionary<string, string> { ["sha256"] = d.Sha256, ["uri"] = d.Uri ?? "" }));
                edges.Add(new LineageEdge(datasetId, id, "trained-on", d.Role));
            }

            if (registration.ParentVersion is { } parent && numbers.Contains(parent))
            {
                edges.Add(new LineageEdge(VersionId(model, parent), id, "parent-of", null));
            }
        }

        if (chain.Count > 0)
        {
            var version = chain[0].Number;
            foreach (var (ordinal, d) in deployments)
            {
                var id = $"deployment:{model}@{version}#{ordinal}";
                nodes[id] = new LineageNode(id, "deployment", d.Environment, new Dictionary<string, string>
                {
                    ["environment"] = d.Environment,
                    ["reference"] = d.Reference ?? "",
                    ["deployedBy"] = d.DeployedBy,
                    ["deployedAt"] = d.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                });
                edges.Add(new LineageEdge(VersionId(model, version), id, "deployed-to", null));
            }
        }

        return new LineageGraph([.. nodes.Values], edges);
    }

    private static string VersionId(string model, int version) => $"version:{model}@{version}";
}
