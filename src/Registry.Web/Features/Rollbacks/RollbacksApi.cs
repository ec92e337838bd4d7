// Rollback requests: anyone but an auditor asks; an approver other than the requester decides; the
// deployment that carries it out (recorded with rollbackRequestId) completes it.
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Core.Models;
using Registry.Web.Features.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Rollbacks;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RollbackRequestBody(string? Environment, int? TargetVersion, string? Reason);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RollbackDecisionBody(string? Comment);

public sealed record RollbackView(
    string Id,
    string Model,
    string Environment,
    int FromVersion,
    int TargetVersion,
    string Reason,
    string Status,
    string RequestedBy,
    DateTime RequestedAt,
    string? DecidedBy,
    string? DecisionComment,
    DateTime? DecidedAt,
    DateTime? CompletedAt)
{
    public static RollbackView Of(string model, RollbackState r) => new(
        r.Id, model, r.Environment, r.FromVersion, r.TargetVersion, r.Reason, r.Status, r.RequestedBy, r.RequestedAt.UtcDateTime,
        r.DecidedBy, r.DecisionComment, r.DecidedAt?.UtcDateTime, r.CompletedAt?.UtcDateTime);
}

public static class RollbacksApi
{
    public static IEndpointRouteBuilder MapRollbacksApi(this IEndpointRouteBuilder app)
    {
        var perModel = app.MapGroup("/api/v1/models/{name}/rollback-requests").WithTags("Rollbacks");
        perModel.MapPost("/", Request).WithName("RequestRollback").WithSummary("Request a rollback").RequireAuthorization(Permissions.RequestRollback).ProducesProblems(400, 404, 409);
        perModel.MapGet("/", List).WithName("ListRollbackRequests").WithSummary("A model's rollback requests").RequireAuthorization(Permissions.Read).ProducesProblems(404);

        var byId = app.MapGroup("/api/v1/rollback-requests").WithTags("Rollbacks");
        byId.MapGet("/{id}", Get).WithName("GetRollbackRequest").WithSummary("Read a rollback request").RequireAuthorization(Permissions.Read).ProducesProblems(404);
        byId.MapPost("/{id}/approve", Approve).WithName("ApproveRollback").WithSummary("Approve a rollback request").RequireAuthorization(Permissions.DecideRollback).ProducesProblems(400, 404, 409);
        byId.MapPost("/{id}/reject", Reject).WithName("RejectRollback").WithSummary("Reject a rollback request").RequireAuthorization(Permissions.DecideRollback).ProducesProblems(400, 404, 409);
        return app;
    }

    public static async Task<Results<Created<RollbackView>, ProblemHttpResult>> Request(
        string name, RollbackRequestBody body, ModelStreams models, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(name))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        var id = Guid.CreateVersion7().ToString();
        var (outcome, rejection) = await models.HandleAsync(name, new RequestRollback(id, body.Environment, body.TargetVersion, body.Reason, context.User.Actor()), context.Metadata(body.Reason), cancellationToken);
        return rejection is not null
            ? ApiProblems.From(rejection)
            : TypedResults.Created($"/api/v1/rollback-requests/{id}", RollbackView.Of(name, outcome!.State.Rollbacks[id]));
    }

    public static async Task<Results<Ok<Page<RollbackView>>, ProblemHttpResult>> List(string name, ModelStreams models, CancellationToken cancellationToken)
    {
        var (loaded, problem) = await ModelsApi.LoadAsync(name, null, models, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var items = loaded!.State.Rollbacks.Values.OrderByDescending(r => r.RequestedAt).Select(r => RollbackView.Of(name, r)).ToList();
        return TypedResults.Ok(new Page<RollbackView>(items, items.Count));
    }

    public static async Task<Results<Ok<RollbackView>, ProblemHttpResult>> Get(string id, NpgsqlDataSource db, ModelStreams models, CancellationToken cancellationToken)
    {
        var model = await ModelOfAsync(id, db, cancellationToken);
        if (model is null)
        {
            return ApiProblems.NotFound($"no rollback request {id}");
        }

        var loaded = await models.LoadAsync(model, cancellationToken);
        return TypedResults.Ok(RollbackView.Of(model, loaded.State.Rollbacks[id]));
    }

    public static Task<Results<Ok<RollbackView>, ProblemHttpResult>> Approve(string id, RollbackDecisionBody body, NpgsqlDataSource db, ModelStreams models, HttpContext context, CancellationToken cancellationToken) =>
        DecideAsync(id, true, body, db, models, context, cancellationToken);

    public static Task<Results<Ok<RollbackView>, ProblemHttpResult>> Reject(string id, RollbackDecisionBody body, NpgsqlDataSource db, ModelStreams models, HttpContext context, CancellationToken cancellationToken) =>
        DecideAsync(id, false, body, db, models, context, cancellationToken);

    private static async Task<Results<Ok<RollbackView>, ProblemHttpResult>> DecideAsync(
        string id, bool approve, RollbackDecisionBody body, NpgsqlDataSource db, ModelStreams models, HttpContext context, CancellationToken cancellationToken)
    {
        var model = await ModelOfAsync(id, db, cancellationToken);
        if (model is null)
        {
            return ApiProblems.NotFound($"no rollback request {id}");
        }

        var (outcome, rejection) = await models.HandleAsync(model, new DecideRollback(id, approve, body.Comment, context.User.Actor()), context.Metadata(body.Comment), cancellationToken);
        return rejection is not null ? ApiProblems.From(rejection) : TypedResults.Ok(RollbackView.Of(model, outcome!.State.Rollbacks[id]));
    }

    private static async Task<string?> ModelOfAsync(string id, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (id.Length > 100 || Core.Validation.Text("id", id) is not null)
        {
            return null;
        }

        await using var command = db.CreateCommand("SELECT model FROM registry.rollback_requests WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
