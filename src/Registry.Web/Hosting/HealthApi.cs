using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.EventStore.Migrations;

namespace Registry.Web.Hosting;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").AllowAnonymous().ExcludeFromDescription();
        group.MapGet("/live", () => TypedResults.Ok(new HealthStatus("live")));
        group.MapGet("/ready", Ready);
        return app;
    }

    /// <summary>Ready means the database answers and every migration is applied.</summary>
    private static async Task<Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>>> Ready(Migrator migrator, CancellationToken cancellationToken)
    {
        try
        {
            return await migrator.IsUpToDateAsync(cancellationToken)
                ? TypedResults.Ok(new HealthStatus("ready"))
                : TypedResults.Json(new HealthStatus("not-ready", "migrations are not applied"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (NpgsqlException e)
        {
            return TypedResults.Json(new HealthStatus("not-ready", "database unreachable: " + e.Message), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    public sealed record HealthStatus(string Status, string? Detail = null);
}
