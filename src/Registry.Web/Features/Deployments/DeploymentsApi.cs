// Deployments: record that a version went to an environment (production only when approved);
// history newest first; what is deployed now, or at a past time.
using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Core.Models;
using Registry.Web.Features.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Features.Versions;
using Registry.Web.Identity;

namespace Registry.Web.Features.Deployments;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DeploymentRequest(int? Version, string? Environment, string? Reference, string? RollbackRequestId);

public static class DeploymentsApi
{
    public static IEndpointRouteBuilder MapDeploymentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/models/{name}/deployments").WithTags("Deployments");
        group.MapPost("/", Record).WithName("RecordDeployment").WithSummary("Record a deployment").RequireAuthorization(Permissions.Deploy).ProducesProblems(400, 404, 409);
        group.MapGet("/", History).WithName("ListDeployments").WithSummary("Deployment history, newest first").RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        group.MapGet("/current", Current).WithName("CurrentDeployments").WithSummary("What is deployed now, or at a time").RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        return app;
    }

    public static async Task<Results<Created<DeploymentView>, ProblemHttpResult>> Record(
        string name, DeploymentRequest request, ModelStreams models, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(name))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        var command = new RecordDeployment(request.Version, request.Environment, request.Reference, request.RollbackRequestId, context.User.Actor());
        var (outcome, rejection) = await models.HandleAsync(name, command, context.Metadata(), cancellationToken);
        if (rejection is not null)
        {
            return ApiProblems.From(rejection);
        }

        var deployment = outcome!.State.Deployments[^1];
        return TypedResults.Created($"/api/v1/models/{name}/deployments?environment={deployment.Environment}", VersionView.DeploymentsOf(name, deployment));
    }

    public static async Task<Results<Ok<Page<DeploymentView>>, ProblemHttpResult>> History(
        string name, string? environment, int? page, int? pageSize, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(name))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        if (environment is not null && !Core.Validation.IsName(environment))
        {
            return ApiProblems.From(Core.Validation.Name("environment", environment)!);
        }

        var (p, size, bad) = Caller.Paging(page, pageSize);
        if (bad is not null)
        {
            return ApiProblems.Invalid(bad, bad == "page" ? "page must be 1 or more" : "pageSize must be between 1 and 500");
        }

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(ModelsApi.BatchCommand("SELECT 1 FROM registry.models WHERE name = $1", name));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT version, environment, reference, rollback_request_id, deployed_by, deployed_at FROM registry.deployments
            WHERE model = $1 AND ($2::text IS NULL OR environment = $2) ORDER BY position DESC LIMIT $3 OFFSET $4
            """, name, environment, size, (p - 1) * (long)size));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("SELECT count(*) FROM registry.deployments WHERE model = $1 AND ($2::text IS NULL OR environment = $2)", name, environment));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        await reader.NextResultAsync(cancellationToken);
        var items = new List<DeploymentView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new DeploymentView(name, reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetDateTime(5)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return TypedResults.Ok(new Page<DeploymentView>(items, reader.GetInt64(0)));
    }

    /// <summary>What is deployed in each environment now, or (with asOf) at that time.</summary>
    public static async Task<Results<Ok<Dictionary<string, DeploymentView>>, ProblemHttpResult>> Current(
        string name, string? asOf, ModelStreams models, CancellationToken cancellationToken)
    {
        var (loaded, problem) = await ModelsApi.LoadAsync(name, asOf, models, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var state = loaded!.State;
        return TypedResults.Ok(state.Deployments.GroupBy(d => d.Environment)
            .ToDictionary(g => g.Key, g => VersionView.DeploymentsOf(state.Name, g.Last()), StringComparer.Ordinal));
    }
}
