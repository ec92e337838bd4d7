using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Web.Features.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Datasets;

public sealed record DatasetUsage(string Model, int Version, string Role, string Name, string? Uri, long? Rows, string Status, DateTime RegisteredAt);

public static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/datasets/{sha256}/usages", Usages).WithName("GetDatasetUsages").WithSummary("Every version that used a dataset").WithTags("Datasets").RequireAuthorization(Permissions.Read).ProducesProblems(400);
        return app;
    }

    /// <summary>Every version of every model that used this dataset content, newest registration first.</summary>
    public static async Task<Results<Ok<Page<DatasetUsage>>, ProblemHttpResult>> Usages(string sha256, int? page, int? pageSize, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (Core.Validation.Sha256("sha256", sha256) is { } invalid)
        {
            return ApiProblems.From(invalid);
        }

        var (p, size, bad) = Caller.Paging(page, pageSize);
        if (bad is not null)
        {
            return ApiProblems.Invalid(bad, bad == "page" ? "page must be 1 or more" : "pageSize must be between 1 and 500");
        }

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT d.model, d.version, d.role, d.name, d.uri, d.rows, v.status, v.registered_at
            FROM registry.version_datasets d JOIN registry.model_versions v ON v.model = d.model AND v.version = d.version
            WHERE d.sha256 = $1 ORDER BY v.registered_at DESC, d.model, d.version LIMIT $2 OFFSET $3
            """, sha256, size, (p - 1) * (long)size));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("SELECT count(*) FROM registry.version_datasets WHERE sha256 = $1", sha256));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var items = new List<DatasetUsage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new DatasetUsage(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetString(6), reader.GetDateTime(7)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return TypedResults.Ok(new Page<DatasetUsage>(items, reader.GetInt64(0)));
    }
}
