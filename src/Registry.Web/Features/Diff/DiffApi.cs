using Microsoft.AspNetCore.Http.HttpResults;
using Registry.Core.Models;
using Registry.Web.Features.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Diff;

public static class DiffApi
{
    public static IEndpointRouteBuilder MapDiffApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/models/{name}/diff", Get).WithName("DiffVersions").WithSummary("What changed between two versions").WithTags("Diff").RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        return app;
    }

    /// <summary>What changed from version <paramref name="from"/> to version <paramref name="to"/>.</summary>
    public static async Task<Results<Ok<VersionDiff>, ProblemHttpResult>> Get(string name, int? from, int? to, ModelStreams models, ReadModels reads, CancellationToken cancellationToken)
    {
        if (from is null)
        {
            return ApiProblems.Invalid("from", "from (a version number) is required");
        }

        if (to is null)
        {
            return ApiProblems.Invalid("to", "to (a version number) is required");
        }

        if (Core.Validation.IsName(name) && await reads.RegistrationsAsync(name, from.Value, to.Value, cancellationToken) is ({ } a0, { } b0))
        {
            return TypedResults.Ok(VersionDiff.Between(a0, b0));
        }

        var (loaded, problem) = await ModelsApi.LoadAsync(name, null, models, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var versions = loaded!.State.Versions;
        if (!versions.TryGetValue(from.Value, out var a))
        {
            return ApiProblems.NotFound($"{name} has no version {from}");
        }

        return versions.TryGetValue(to.Value, out var b)
            ? TypedResults.Ok(VersionDiff.Between(a.Registration, b.Registration))
            : ApiProblems.NotFound($"{name} has no version {to}");
    }
}
