// Models: create, search, read (with ETag, and as of a time), update (If-Match).
using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Registry.Core.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Models;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateModelRequest(string? Name, string? Description, string? Owner, string? RiskTier, string? IntendedUse, string? Restrictions, Dictionary<string, string>? Tags);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateModelRequest(string? Description, string? Owner, string? RiskTier, string? IntendedUse, string? Restrictions, Dictionary<string, string>? Tags);

public sealed record ModelView(
    string Name,
    string? Description,
    string? Owner,
    string RiskTier,
    string? IntendedUse,
    string? Restrictions,
    IReadOnlyDictionary<string, string> Tags,
    string CreatedBy,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    int Revision,
    int LatestVersion,
    IReadOnlyDictionary<string, int> Deployed)
{
    public static ModelView Of(ModelState m) => new(
        m.Name, m.Profile.Description, m.Profile.Owner, m.Profile.RiskTier, m.Profile.IntendedUse, m.Profile.Restrictions, m.Profile.Tags,
        m.CreatedBy, m.CreatedAt.UtcDateTime, m.UpdatedAt.UtcDateTime, m.Revision, m.LatestVersion,
        m.Deployments.GroupBy(d => d.Environment).ToDictionary(g => g.Key, g => g.Last().Version, StringComparer.Ordinal));

    public static string ETagOf(ModelState m) => $"\"r{m.Revision.ToString(CultureInfo.InvariantCulture)}\"";
}

public sealed record ModelSummary(string Name, string? Description, string? Owner, string RiskTier, int LatestVersion, DateTime UpdatedAt);

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/models").WithTags("Models");
        group.MapPost("/", Create).WithName("CreateModel").WithSummary("Create a model").RequireAuthorization(Permissions.ManageModels).ProducesProblems(400, 409);
        group.MapGet("/", Search).WithName("SearchModels").WithSummary("Search models").RequireAuthorization(Permissions.Read).ProducesProblems(400);
        group.MapGet("/{name}", Get).WithName("GetModel").WithSummary("Read a model, now or as of a time").RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        group.MapPatch("/{name}", Update).WithName("UpdateModel").WithSummary("Update a model (If-Match)").RequireAuthorization(Permissions.ManageModels).ProducesProblems(400, 404, 409, 412);
        return app;
    }

    public static async Task<Results<Created<ModelView>, ProblemHttpResult>> Create(CreateModelRequest request, ModelStreams models, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(request.Name))
        {
            return ApiProblems.From(Core.Validation.Name("name", request.Name)!);
        }

        var command = new CreateModel(request.Name!, request.Description, request.Owner, request.RiskTier, request.IntendedUse, request.Restrictions, request.Tags, context.User.Actor());
        var (outcome, rejection) = await models.HandleAsync(request.Name!, command, context.Metadata(), cancellationToken);
        if (rejection is not null)
        {
            return ApiProblems.From(rejection);
        }

        context.Response.Headers.ETag = ModelView.ETagOf(outcome!.State);
        return TypedResults.Created($"/api/v1/models/{request.Name}", ModelView.Of(outcome.State));
    }

    public static async Task<Results<Ok<Page<ModelSummary>>, ProblemHttpResult>> Search(
        NpgsqlDataSource db, SearchTotals totals, string? q, string? owner, string? riskTier, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var (p, size, bad) = Caller.Paging(page, pageSize);
        if (bad is not null)
        {
            return ApiProblems.Invalid(bad, bad == "page" ? "page must be 1 or more" : "pageSize must be between 1 and 500");
        }

        if (Core.Validation.First(Core.Validation.Text("q", q), Core.Validation.Text("owner", owner)) is { } problem)
        {
            return ApiProblems.From(problem);
        }

        if (riskTier is not null && !RiskTiers.All.Contains(riskTier))
        {
            return ApiProblems.Invalid("riskTier", "riskTier must be low, medium or high");
        }

        // Only the conditions the request has are in the SQL, and the pattern is a parameter of its own:
        // "($1 IS NULL OR …)" would keep a prepared statement's generic plan from the trigram index
        // and scan every model twice (the page and the count).
        // The pattern, when there is one, is $1; the other conditions are the same for every plan.
        var filters = new List<string>();
        var values = new List<object?>();
        if (q is not null)
        {
            values.Add("%" + q.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%");
        }

        if (owner is not null)
        {
            values.Add(owner);
            filters.Add($"owner = ${values.Count}");
        }

        if (riskTier is not null)
        {
            values.Add(riskTier);
            filters.Add($"risk_tier = ${values.Count}");
        }

        // ILIKE is lower(x) LIKE lower(pattern); the lower-cased text is stored (migrations/0052).
        var where = Where(q is null ? filters : ["search LIKE lower($1)", .. filters]);
        var offset = (p - 1) * (long)size;
        var key = SearchKey(q, owner, riskTier);
        var (knownHead, knownTotal) = totals.Remembered(key);
        const string Columns = "name, description, owner, risk_tier, latest_version, updated_at";
        var limits = $"LIMIT ${values.Count + 1} OFFSET ${values.Count + 2}";
        var pageSql = (q is null ? (SearchPlan?)null : totals.Plan(key, offset, size)) switch
        {
            null => $"SELECT {Columns} FROM registry.models{where} ORDER BY name {limits}",
            // A common word (decision 0013): the name index is walked and each model filtered until the
            // page is full. `search || ''` is the same text in a form the trigram index cannot answer, so
            // with sequential scans off the walk is the only plan left.
            SearchPlan.OrderIndex => $"SELECT {Columns} FROM registry.models{Where(["(search || '') LIKE lower($1)", .. filters])} ORDER BY name {limits}",
            // A rare word: every match from the trigram index, then the page. MATERIALIZED keeps the
            // planner from walking the name index on a guess that the word is common.
            _ => $"WITH matches AS MATERIALIZED (SELECT {Columns} FROM registry.models{where}) SELECT {Columns} FROM matches ORDER BY name {limits}",
        };

        await using var batch = db.CreateBatch();
        if (q is not null)
        {
            // A substring LIKE is costed as nearly free per row and its selectivity guessed, so PostgreSQL
            // would rather scan and sort every model; the batch is one transaction, so this lasts for it.
            batch.BatchCommands.Add(Command("SELECT set_config('enable_seqscan', 'off', true)"));
        }

        batch.BatchCommands.Add(Command(pageSql, [.. values, size, offset]));
        batch.BatchCommands.Add(Command(SearchTotals.Sql($"SELECT count(*) FROM registry.models{where}", $"${values.Count + 1}", $"${values.Count + 2}"), [.. values, knownHead, knownTotal]));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (q is not null)
        {
            await reader.NextResultAsync(cancellationToken);
        }

        var items = new List<ModelSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ModelSummary(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetDateTime(5)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (head, total) = (reader.GetInt64(0), reader.GetInt64(1));
        totals.Remember(key, head, total, reader.IsDBNull(2) ? -1 : reader.GetInt64(2));
        return TypedResults.Ok(new Page<ModelSummary>(items, total));
    }

    private static string Where(List<string> conditions) => conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);

    /// <summary>The key under which <see cref="SearchTotals"/> remembers an API search.</summary>
    public static string SearchKey(string? q, string? owner, string? riskTier) => SearchTotals.Key("api", q, owner, riskTier);

    public static async Task<Results<Ok<ModelView>, ProblemHttpResult>> Get(string name, string? asOf, ModelStreams models, ReadModels reads, HttpContext context, CancellationToken cancellationToken)
    {
        if (asOf is null && Core.Validation.IsName(name))
        {
            var current = await reads.ModelAsync(name, cancellationToken);
            if (current is null)
            {
                return ApiProblems.NotFound($"no model named '{name}'");
            }

            context.Response.Headers.ETag = $"\"r{current.Revision.ToString(CultureInfo.InvariantCulture)}\"";
            return TypedResults.Ok(current);
        }

        var (loaded, problem) = await LoadAsync(name, asOf, models, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        context.Response.Headers.ETag = ModelView.ETagOf(loaded!.State);
        return TypedResults.Ok(ModelView.Of(loaded.State));
    }

    public static async Task<Results<Ok<ModelView>, ProblemHttpResult>> Update(
        string name, UpdateModelRequest request, [FromHeader(Name = "If-Match")] string? ifMatch, ModelStreams models, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(name))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        int? expected = null;
        if (!string.IsNullOrEmpty(ifMatch) && ifMatch != "*")
        {
            var tag = ifMatch.Trim();
            tag = tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
            if (!(tag.Length > 3 && tag.StartsWith("\"r", StringComparison.Ordinal) && tag.EndsWith('"')
                && int.TryParse(tag[2..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var revision)))
            {
                return ApiProblems.From(Core.Rejection.Stale($"If-Match {ifMatch} is not an ETag of this model"));
            }

            expected = revision;
        }

        var command = new UpdateModel(request.Description, request.Owner, request.RiskTier, request.IntendedUse, request.Restrictions, request.Tags, expected, context.User.Actor());
        var (outcome, rejection) = await models.HandleAsync(name, command, context.Metadata(), cancellationToken);
        if (rejection is not null)
        {
            return ApiProblems.From(rejection);
        }

        context.Response.Headers.ETag = ModelView.ETagOf(outcome!.State);
        return TypedResults.Ok(ModelView.Of(outcome.State));
    }

    /// <summary>A model now or as of a time (RFC 3339); the problem says which part of the request is wrong.</summary>
    public static async Task<(LoadedModel? Model, ProblemHttpResult? Problem)> LoadAsync(string name, string? asOf, ModelStreams models, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(name))
        {
            return (null, ApiProblems.NotFound($"no model named '{name}'"));
        }

        LoadedModel loaded;
        if (asOf is null)
        {
            loaded = await models.LoadAsync(name, cancellationToken);
        }
        else if (DateTimeOffset.TryParse(asOf, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            loaded = await models.LoadAsOfAsync(name, at, cancellationToken);
        }
        else
        {
            return (null, ApiProblems.Invalid("asOf", "asOf must be an RFC 3339 time, e.g. 2026-11-21T12:00:00Z"));
        }

        return loaded.State.Exists
            ? (loaded, null)
            : (null, ApiProblems.NotFound(asOf is null ? $"no model named '{name}'" : $"no model named '{name}' existed at {asOf}"));
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    internal static NpgsqlBatchCommand BatchCommand(string sql, params object?[] values) => Command(sql, values);
}
