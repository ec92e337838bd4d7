// Webhooks: an admin registers a URL and the event types it wants; WebhookSender delivers them.
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Webhooks;

/// <summary><c>EventTypes</c>: event type names (e.g. VersionApproved) or "*" for all. <c>Secret</c>: generated when absent.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record WebhookRequest(string? Url, List<string>? EventTypes, string? Secret);

public sealed record WebhookView(Guid Id, string Url, IReadOnlyList<string> EventTypes, string CreatedBy, DateTime CreatedAt, bool Active, long Cursor);

/// <summary>The registration, with the HMAC secret: shown once.</summary>
public sealed record CreatedWebhook(Guid Id, string Url, IReadOnlyList<string> EventTypes, string Secret, long Cursor);

public sealed record DeliveryView(long Id, long Position, string EventType, int Attempt, int? StatusCode, string? Error, bool Succeeded, DateTime AttemptedAt);

public static partial class WebhooksApi
{
    [GeneratedRegex("^([A-Z][A-Za-z0-9]{0,99}|\\*)$", RegexOptions.CultureInvariant)]
    private static partial Regex EventTypePattern();

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks").RequireAuthorization(Permissions.ManageWebhooks);
        group.MapPost("/", Register).WithName("RegisterWebhook").WithSummary("Register a webhook").ProducesProblems(400).ShowsSecretOnce();
        group.MapGet("/", List).WithName("ListWebhooks").WithSummary("List webhooks").ProducesProblems();
        group.MapDelete("/{id:guid}", Remove).WithName("RemoveWebhook").WithSummary("Remove a webhook").ProducesProblems(404);
        group.MapGet("/{id:guid}/deliveries", Deliveries).WithName("ListWebhookDeliveries").WithSummary("A webhook's delivery log").ProducesProblems(400, 404);
        return app;
    }

    public static async Task<Results<Created<CreatedWebhook>, ProblemHttpResult>> Register(WebhookRequest request, NpgsqlDataSource db, HttpContext context, CancellationToken cancellationToken)
    {
        if (Core.Validation.Uri("url", request.Url, required: true) is { } badUrl)
        {
            return ApiProblems.From(badUrl);
        }

        var url = new Uri(request.Url!);
        if (url.Scheme is not ("http" or "https"))
        {
            return ApiProblems.Invalid("url", "url must be http or https");
        }

        if (request.EventTypes is not { Count: > 0 and <= 100 } types)
        {
            return ApiProblems.Invalid("eventTypes", "eventTypes must list 1 to 100 event types (or \"*\" for all)");
        }

        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] is null || !EventTypePattern().IsMatch(types[i]))
            {
                return ApiProblems.Invalid($"eventTypes[{i}]", $"eventTypes[{i}] must be an event type name such as VersionApproved, or \"*\"");
            }
        }

        if (request.Secret is not null && (request.Secret.Length is < 16 or > 200 || Core.Validation.Text("secret", request.Secret) is not null))
        {
            return ApiProblems.Invalid("secret", "secret must be 16 to 200 characters without control characters");
        }

        var secret = request.Secret ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var id = Guid.CreateVersion7();
        await using var command = db.CreateCommand("""
            INSERT INTO registry.webhooks (id, url, secret, event_types, created_by, cursor)
            SELECT $1, $2, $3, $4, $5, position FROM registry.log_head
            RETURNING cursor
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Url! });
        command.Parameters.Add(new NpgsqlParameter { Value = secret });
        command.Parameters.Add(new NpgsqlParameter { Value = types.Distinct(StringComparer.Ordinal).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = context.User.Actor() });
        var cursor = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return TypedResults.Created($"/api/v1/webhooks/{id}", new CreatedWebhook(id, request.Url!, [.. types.Distinct(StringComparer.Ordinal)], secret, cursor));
    }

    public static async Task<Ok<Page<WebhookView>>> List(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT id, url, event_types, created_by, created_at, active, cursor FROM registry.webhooks ORDER BY created_at");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<WebhookView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new WebhookView(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetString(3), reader.GetDateTime(4), reader.GetBoolean(5), reader.GetInt64(6)));
        }

        return TypedResults.Ok(new Page<WebhookView>(items, items.Count));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Remove(Guid id, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("UPDATE registry.webhooks SET active = false WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? TypedResults.NoContent() : ApiProblems.NotFound($"no webhook {id}");
    }

    public static async Task<Results<Ok<Page<DeliveryView>>, ProblemHttpResult>> Deliveries(Guid id, int? page, int? pageSize, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var (p, size, bad) = Caller.Paging(page, pageSize);
        if (bad is not null)
        {
            return ApiProblems.Invalid(bad, bad == "page" ? "page must be 1 or more" : "pageSize must be between 1 and 500");
        }

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(Models.ModelsApi.BatchCommand("SELECT 1 FROM registry.webhooks WHERE id = $1", id));
        batch.BatchCommands.Add(Models.ModelsApi.BatchCommand("""
            SELECT id, position, event_type, attempt, status_code, error, succeeded, attempted_at FROM registry.webhook_deliveries
            WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3
            """, id, size, (p - 1) * (long)size));
        batch.BatchCommands.Add(Models.ModelsApi.BatchCommand("SELECT count(*) FROM registry.webhook_deliveries WHERE webhook_id = $1", id));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return ApiProblems.NotFound($"no webhook {id}");
        }

        await reader.NextResultAsync(cancellationToken);
        var items = new List<DeliveryView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new DeliveryView(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6), reader.GetDateTime(7)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return TypedResults.Ok(new Page<DeliveryView>(items, reader.GetInt64(0)));
    }
}
