// The period report's facts: every event recorded in [from, to) that the checkpoint covers, model
// events grouped by model (with their approvals and deployments pulled out), the rest (accounts,
// roles, tokens) listed on their own.
using System.Text.Json;
using Npgsql;
using Registry.Core.Identity;
using Registry.Core.Models;
using Registry.Web.Features.Evidence;
using Registry.Web.Features.Users;

namespace Registry.Web.Features.Reports;

public sealed class ActivityQuery(NpgsqlDataSource dataSource, UserDirectory users, CheckpointSource checkpoints, TimeProvider time)
{
    /// <summary>A period report prints every event; beyond this many the PDF stops being readable, so we ask for a shorter period.</summary>
    public const int MaxEvents = 20_000;

    private const string ModelStreamPrefix = "model-";
    private const string UserStreamPrefix = "user-";

    public sealed record Outcome(ActivityReport? Report, long EventsInPeriod);

    public async Task<Outcome> BuildAsync(DateTimeOffset from, DateTimeOffset to, string generatedBy, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.CurrentAsync(cancellationToken);
        var size = checkpoint?.TreeSize ?? long.MaxValue;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        await using (var count = new NpgsqlCommand("SELECT count(*) FROM registry.events WHERE recorded_at >= @from AND recorded_at < @to AND position <= @size", connection))
        {
            Bind(count, from, to, size);
            var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            if (total > MaxEvents)
            {
                return new Outcome(null, total);
            }
        }

        var rows = new List<(long Position, string Stream, string Type, string Actor, DateTimeOffset At, ModelEvent? Event, string Summary)>();
        await using (var command = new NpgsqlCommand(
            "SELECT position, stream, type, actor, recorded_at, data::text FROM registry.events WHERE recorded_at >= @from AND recorded_at < @to AND position <= @size ORDER BY position", connection))
        {
            Bind(command, from, to, size);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var stream = reader.GetString(1);
                var type = reader.GetString(2);
                using var data = JsonDocument.Parse(reader.GetString(5));
                var @event = stream.StartsWith(ModelStreamPrefix, StringComparison.Ordinal) ? ModelEventJson.Deserialize(type, data.RootElement) : null;
                var summary = @event is not null ? ChangeSummary.Of(@event)
                    : stream.StartsWith(UserStreamPrefix, StringComparison.Ordinal) ? ChangeSummary.Of(UserEventJson.Deserialize(type, data.RootElement))
                    : "";
                rows.Add((reader.GetInt64(0), stream, type, reader.GetString(3), new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero), @event, summary));
            }
        }

        var names = await users.DisplayNamesAsync(rows.Select(r => r.Actor).Append(generatedBy), cancellationToken);
        Person P(string username) => new(username, names.GetValueOrDefault(username));
        ChangeFacts Change((long Position, string Stream, string Type, string Actor, DateTimeOffset At, ModelEvent? Event, string Summary) r) =>
            new(r.Position, r.At, P(r.Actor), r.Stream, r.Type, r.Summary);

        var models = rows
            .Where(r => r.Stream.StartsWith(ModelStreamPrefix, StringComparison.Ordinal))
            .GroupBy(r => r.Stream[ModelStreamPrefix.Length..], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ModelActivity(
                g.Key,
                [.. g.Select(Change)],
                [.. g.Where(r => r.Event is ApprovalRecorded).Select(r => (r, (ApprovalRecorded)r.Event!)).Select(x =>
                    new ApprovalActivity(x.Item2.Version, new ApprovalFacts(x.Item2.Decision, P(x.Item2.Approver), x.Item2.Capacity, x.r.At, x.Item2.Comment)))],
                [.. g.Where(r => r.Event is DeploymentRecorded).Select(r => (r, (DeploymentRecorded)r.Event!)).Select(x =>
                    new DeploymentFacts(x.Item2.Environment, x.Item2.Version, P(x.Item2.DeployedBy), x.r.At, x.Item2.Reference, x.Item2.RollbackRequestId))]))
            .ToList();
        var others = rows.Where(r => !r.Stream.StartsWith(ModelStreamPrefix, StringComparison.Ordinal)).Select(Change).ToList();

        return new Outcome(new ActivityReport(from, to, models, others, checkpoint?.Summary, time.GetUtcNow(), P(generatedBy)), rows.Count);
    }

    private static void Bind(NpgsqlCommand command, DateTimeOffset from, DateTimeOffset to, long size)
    {
        command.Parameters.AddWithValue("from", from.UtcDateTime);
        command.Parameters.AddWithValue("to", to.UtcDateTime);
        command.Parameters.AddWithValue("size", size);
    }
}
