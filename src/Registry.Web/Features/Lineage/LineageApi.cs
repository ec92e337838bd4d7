using Microsoft.AspNetCore.Http.HttpResults;
using Registry.Core.Models;
using Registry.Web.Features.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Lineage;

public static class LineageApi
{
    public static IEndpointRouteBuilder MapLineageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/models/{name}/versions/{version:int}/lineage", Get).WithName("GetLineage").WithSummary("Lineage of a version").WithTags("Lineage").RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        return app;
    }

    /// <summary>The version's datasets, parent chain and deployments as a graph.</summary>
    public static async Task<Results<Ok<LineageGraph>, ProblemHttpResult>> Get(string name, int version, string? asOf, ModelStreams models, ReadModels reads, CancellationToken cancellationToken)
    {
        if (asOf is null && Core.Validation.IsName(name) && await reads.LineageAsync(name, version, cancellationToken) is { } current)
        {
            return TypedResults.Ok(current);
        }

        var (loaded, problem) = await ModelsApi.LoadAsync(name, asOf, models, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return loaded!.State.Versions.ContainsKey(version)
            ? TypedResults.Ok(LineageGraph.For(loaded.State, version))
            : ApiProblems.NotFound($"{name} has no version {version}");
    }
}
