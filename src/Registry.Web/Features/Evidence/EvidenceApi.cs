// Evidence bundles (CONTRACT section 4): a model's, or a period's. The zip is streamed as it is
// written; everything that can be refused is checked before the first byte.
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Core;
using Registry.Web.Features.Reports;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Evidence;

public static class EvidenceApi
{
    public const string ZipType = "application/zip";

    public static IEndpointRouteBuilder MapEvidenceApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Evidence");
        group.MapGet("/models/{name}/evidence", ForModel).RequireAuthorization(Permissions.ExportEvidence).Produces(200, contentType: ZipType).ProducesProblems(400, 404, 409);
        group.MapGet("/evidence", ForPeriod).RequireAuthorization(Permissions.ExportEvidence).Produces(200, contentType: ZipType).ProducesProblems(400, 409);
        return app;
    }

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ForModel(
        string name, EvidenceBundle bundle, CheckpointSource checkpoints, NpgsqlDataSource dataSource, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Validation.IsName(name))
        {
            return ApiProblems.Invalid("name", "a model name is 1 to 100 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
        }

        await using (var exists = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM registry.events WHERE stream = @stream)"))
        {
            exists.Parameters.AddWithValue("stream", EvidenceScope.ModelStream(name));
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return ApiProblems.NotFound($"no model named '{name}'");
            }
        }

        return await ExportAsync(new EvidenceScope.Model(name), bundle, checkpoints, context, cancellationToken);
    }

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ForPeriod(
        string? from, string? to, EvidenceBundle bundle, CheckpointSource checkpoints, TimeProvider time, HttpContext context, CancellationToken cancellationToken)
    {
        var (period, problem) = ReportsApi.ParsePeriod(from, to, time);
        return problem ?? await ExportAsync(new EvidenceScope.Period(period.From, period.To), bundle, checkpoints, context, cancellationToken);
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ExportAsync(
        EvidenceScope scope, EvidenceBundle bundle, CheckpointSource checkpoints, HttpContext context, CancellationToken cancellationToken)
    {
        var (plan, refusal) = await bundle.PrepareAsync(scope, await checkpoints.CurrentAsync(cancellationToken), cancellationToken);
        if (refusal is not null)
        {
            return TypedResults.Problem(refusal.Detail, statusCode: refusal.Status, title: refusal.Title);
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Stream(output => bundle.WriteAsync(plan!, output, context.RequestAborted), ZipType, scope.FileName);
    }
}
