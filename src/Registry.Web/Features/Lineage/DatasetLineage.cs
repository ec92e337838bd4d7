// The lineage of one dataset's content: the dataset, every version that used it (with the role it
// played), and those versions' deployments. Built in the Core graph's shape so LineageGraphView
// draws it like a version's lineage.
using System.Globalization;
using Npgsql;
using Registry.Core.Models;
using Registry.Web.Features.Datasets;

namespace Registry.Web.Features.Lineage;

public static class DatasetLineage
{
    public static async Task<LineageGraph> BuildAsync(NpgsqlDataSource db, string sha256, IReadOnlyList<DatasetUsage> usages, CancellationToken cancellationToken)
    {
        var datasetId = "dataset:" + sha256;
        var nodes = new Dictionary<string, LineageNode>(StringComparer.Ordinal)
        {
            [datasetId] = new(datasetId, "dataset", usages[0].Name, new Dictionary<string, string> { ["sha256"] = sha256, ["uri"] = usages[0].Uri ?? "" }),
        };
        var edges = new List<LineageEdge>();
        foreach (var u in usages)
        {
            var versionId = $"version:{u.Model}@{u.Version}";
            nodes.TryAdd(versionId, new LineageNode(versionId, "version", $"{u.Model} v{u.Version}", new Dictionary<string, string>
            {
                ["model"] = u.Model,
                ["version"] = u.Version.ToString(CultureInfo.InvariantCulture),
                ["status"] = u.Status,
            }));
            edges.Add(new LineageEdge(datasetId, versionId, "trained-on", u.Role));
        }

        // Deployments of those versions, oldest first; a node id carries the deployment's log position.
        await using var command = db.CreateCommand("""
            SELECT d.model, d.version, d.environment, d.deployed_by, d.deployed_at, d.position
            FROM registry.deployments d
            JOIN unnest($1::text[], $2::int[]) AS v(model, version) ON v.model = d.model AND v.version = d.version
            ORDER BY d.position
            LIMIT 500
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. usages.Select(u => u.Model)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. usages.Select(u => u.Version)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var model = reader.GetString(0);
            var version = reader.GetInt32(1);
            var id = $"deployment:{model}@{version}#p{reader.GetInt64(5).ToString(CultureInfo.InvariantCulture)}";
            nodes[id] = new LineageNode(id, "deployment", reader.GetString(2), new Dictionary<string, string>
            {
                ["environment"] = reader.GetString(2),
                ["deployedBy"] = reader.GetString(3),
                ["deployedAt"] = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            });
            edges.Add(new LineageEdge($"version:{model}@{version}", id, "deployed-to", null));
        }

        return new LineageGraph([.. nodes.Values], edges);
    }
}
