// The audit log as JSON: every event with its exact canonical envelope and hashes, in position
// order, filtered by stream, actor, type and time; paged by cursor (after/limit) or page/pageSize.
// The page is written from the stored envelope bytes by EventJson, not parsed and re-serialized.
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Audit;

public sealed record EventView(
    long Position,
    string Stream,
    int Version,
    string Type,
    string RecordedAt,
    string Actor,
    JsonElement Data,
    JsonElement Metadata,
    string LeafHash,
    string ChainHash,
    string Canonical);

/// <summary>A page of the log. <c>Next</c> is the <c>after</c> of the following page (null at the end).</summary>
public sealed record EventPage(IReadOnlyList<EventView> Items, long Total, long? Next);

public static class EventsApi
{
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", List).WithName("ListEvents").WithSummary("The audit log").WithTags("Audit").RequireAuthorization(Permissions.Read).ProducesProblems(400);
        return app;
    }

    public static async Task<Results<EventPageJson, ProblemHttpResult>> List(
        long? after, int? limit, string? stream, string? actor, string? type, string? from, string? to, int? page, int? pageSize,
        NpgsqlDataSource db, EventJson json, CancellationToken cancellationToken)
    {
        if (after is < 0)
        {
            return ApiProblems.Invalid("after", "after must be a position (0 or more)");
        }

        if (limit is < 1 or > MaxLimit)
        {
            return ApiProblems.Invalid("limit", $"limit must be between 1 and {MaxLimit}");
        }

        var (p, size, bad) = Caller.Paging(page, pageSize);
        if (bad is not null)
        {
            return ApiProblems.Invalid(bad, bad == "page" ? "page must be 1 or more" : "pageSize must be between 1 and 500");
        }

        if (Core.Validation.First(Core.Validation.Text("stream", stream), Core.Validation.Text("actor", actor), Core.Validation.Text("type", type)) is { } invalid)
        {
            return ApiProblems.From(invalid);
        }

        DateTimeOffset? since = null, until = null;
        if (from is not null)
        {
            if (!DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var f))
            {
                return ApiProblems.Invalid("from", "from must be an RFC 3339 time");
            }

            since = f;
        }

        if (to is not null)
        {
            if (!DateTimeOffset.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                return ApiProblems.Invalid("to", "to must be an RFC 3339 time");
            }

            until = t;
        }

        var filtered = stream is not null || actor is not null || type is not null || since is not null || until is not null;
        var take = page is null && pageSize is null ? limit ?? 100 : size;
        var start = after ?? 0;
        long offset = 0;
        if (page is not null)
        {
            // Positions are dense, so an unfiltered page is a range of positions, not an OFFSET scan.
            if (filtered)
            {
                offset = (p - 1) * (long)size;
            }
            else
            {
                start += (p - 1) * (long)size;
            }
        }

        await using var batch = db.CreateBatch();
        if (filtered)
        {
            const string Where = """
                WHERE position > $1 AND ($2::text IS NULL OR stream = $2) AND ($3::text IS NULL OR actor = $3) AND ($4::text IS NULL OR type = $4)
                  AND ($5::timestamptz IS NULL OR recorded_at >= $5) AND ($6::timestamptz IS NULL OR recorded_at <= $6)
                """;
            batch.BatchCommands.Add(Command($"SELECT envelope, leaf_hash, chain_hash FROM registry.events {Where} ORDER BY position LIMIT $7 OFFSET $8", start, stream, actor, type, since, until, take + 1, offset));
            batch.BatchCommands.Add(Command($"SELECT count(*) FROM registry.events {Where}", start, stream, actor, type, since, until));
        }
        else
        {
            batch.BatchCommands.Add(Command("SELECT envelope, leaf_hash, chain_hash FROM registry.events WHERE position > $1 ORDER BY position LIMIT $2", start, take + 1));
            // The total counts every event after the cursor, not only those from this page on.
            batch.BatchCommands.Add(Command("SELECT greatest(position - $1, 0) FROM registry.log_head", after ?? 0));
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await EventPageJson.ReadAsync(json, reader, take, async () =>
        {
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return reader.GetInt64(0);
        }, cancellationToken);
    }

    public static EventView View(byte[] envelope, byte[] leafHash, byte[] chainHash)
    {
        using var document = JsonDocument.Parse(envelope);
        var root = document.RootElement;
        return new EventView(
            root.GetProperty("position").GetInt64(),
            root.GetProperty("stream").GetString()!,
            root.GetProperty("version").GetInt32(),
            root.GetProperty("type").GetString()!,
            root.GetProperty("recordedAt").GetString()!,
            root.GetProperty("actor").GetString()!,
            root.GetProperty("data").Clone(),
            root.GetProperty("metadata").Clone(),
            Convert.ToHexStringLower(leafHash),
            Convert.ToHexStringLower(chainHash),
            Encoding.UTF8.GetString(envelope));
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                DateTimeOffset t => new NpgsqlParameter { Value = t.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        return command;
    }
}
