// Builds a model dossier from the model's stream, folded with the domain's own Evolve, up to the
// checkpoint the report is built on (and, for "as of" dossiers, up to that time): every fact printed
// comes from an event the checkpoint covers, and the who-changed-what log is those same events.
using System.Text.Json;
using Registry.Core.Models;
using Registry.EventStore;
using Registry.Web.Features.Evidence;
using Registry.Web.Features.Users;

namespace Registry.Web.Features.Reports;

public sealed class DossierQuery(EventStore.EventStore store, UserDirectory users, CheckpointSource checkpoints, TimeProvider time)
{
    /// <summary>The dossier, or null when the model does not exist (or did not yet at <paramref name="asOf"/>).</summary>
    public async Task<ModelDossier?> BuildAsync(string model, DateTimeOffset? asOf, string generatedBy, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.CurrentAsync(cancellationToken);
        var events = await store.ReadStreamAsync(ModelEventJson.StreamOf(model), checkpoint?.TreeSize, asOf, cancellationToken);
        var state = ModelState.Initial;
        var changes = new List<(StoredEvent Stored, ModelEvent? Event)>(events.Count);
        foreach (var stored in events)
        {
            var @event = ModelEventJson.Deserialize(stored.Type, stored.Data);
            if (@event is not null)
            {
                state = ModelDecider.Evolve(state, @event, stored.RecordedAt);
            }

            changes.Add((stored, @event));
        }

        if (!state.Exists)
        {
            return null;
        }

        var names = await users.DisplayNamesAsync(events.Select(e => e.Actor).Append(generatedBy).Append(state.CreatedBy), cancellationToken);
        Person P(string username) => new(username, names.GetValueOrDefault(username));

        return new ModelDossier(
            new ModelIdentity(state.Name, state.Profile.Description, state.Profile.Owner, state.Profile.RiskTier, state.Profile.IntendedUse, state.Profile.Restrictions, state.Profile.Tags, P(state.CreatedBy), state.CreatedAt),
            [.. state.Versions.Values.Select(v => Version(v, P))],
            [.. state.Deployments.Select(d => new DeploymentFacts(d.Environment, d.Version, P(d.DeployedBy), d.At, d.Reference, d.RollbackRequestId))],
            [.. state.Rollbacks.Values.OrderBy(r => r.RequestedAt).Select(r => new RollbackFacts(
                r.Id, r.Environment, r.FromVersion, r.TargetVersion, r.Reason, P(r.RequestedBy), r.RequestedAt, r.Status,
                r.DecidedBy is { } by ? P(by) : null, r.DecidedAt, r.DecisionComment))],
            Lineage(state),
            [.. changes.Select(c => new ChangeFacts(c.Stored.Position, c.Stored.RecordedAt, P(c.Stored.Actor), c.Stored.Stream, c.Stored.Type, ChangeSummary.Of(c.Event)))],
            checkpoint?.Summary,
            asOf,
            time.GetUtcNow(),
            P(generatedBy));
    }

    private static VersionFacts Version(VersionState v, Func<string, Person> person)
    {
        var r = v.Registration;
        return new VersionFacts(
            v.Number,
            v.Status,
            person(v.RegisteredBy),
            v.RegisteredAt,
            new ArtifactFacts(r.Artifact.Uri, r.Artifact.Sha256, r.Artifact.SizeBytes),
            [.. r.Datasets.Select(d => new DatasetFacts(d.Name, d.Role, d.Uri, d.Sha256, d.Rows))],
            [.. r.Dependencies.Select(d => new DependencyFacts(d.Ecosystem, d.Name, d.Version, d.Sha256))],
            r.Parameters.ToDictionary(p => p.Key, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText(), StringComparer.Ordinal),
            r.Metrics,
            r.Source?.Repository,
            r.Source?.Commit,
            r.ParentVersion,
            r.Notes,
            v.SubmittedBy is { } submitter ? person(submitter) : null,
            v.SubmittedAt,
            [.. v.Approvals.Select(a => new ApprovalFacts(a.Decision, person(a.Approver), a.Capacity, a.At, a.Comment))]);
    }

    /// <summary>The whole model's lineage: datasets (by content) → versions → environments, and parent links.</summary>
    public static LineageFacts Lineage(ModelState state)
    {
        var nodes = new List<LineageNode>();
        var edges = new List<LineageEdge>();
        var datasets = new HashSet<string>(StringComparer.Ordinal);
        var environments = new HashSet<string>(StringComparer.Ordinal);
        foreach (var version in state.Versions.Values)
        {
            var id = $"version:{version.Number}";
            nodes.Add(new LineageNode(id, "version", $"v{version.Number} · {version.Status}", $"artifact {Format.ShortHash(version.Registration.Artifact.Sha256)}"));
            foreach (var dataset in version.Registration.Datasets)
            {
                var datasetId = $"dataset:{dataset.Sha256}";
                if (datasets.Add(datasetId))
                {
                    nodes.Add(new LineageNode(datasetId, "dataset", $"{dataset.Name} ({dataset.Role})", Format.ShortHash(dataset.Sha256)));
                }

                edges.Add(new LineageEdge(datasetId, id, "trained-on"));
            }

            if (version.Registration.ParentVersion is { } parent && state.Versions.ContainsKey(parent))
            {
                edges.Add(new LineageEdge($"version:{parent}", id, "parent-of"));
            }
        }

        foreach (var deployment in state.Deployments)
        {
            var environmentId = $"environment:{deployment.Environment}";
            if (environments.Add(environmentId))
            {
                var current = state.CurrentDeployment(deployment.Environment);
                nodes.Add(new LineageNode(environmentId, "environment", deployment.Environment, current is null ? null : $"now v{current.Version}"));
            }

            var edge = new LineageEdge($"version:{deployment.Version}", environmentId, "deployed-to");
            if (!edges.Contains(edge))
            {
                edges.Add(edge);
            }
        }

        return new LineageFacts(nodes, edges);
    }
}
