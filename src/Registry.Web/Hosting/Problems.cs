// Errors as RFC 9457 problem details for the API, helpful pages for the portal; never a stack trace.
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Registry.Web.Hosting;

public static class Problems
{
    public static bool IsApi(this HttpRequest request) => request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/health");

    public static IServiceCollection AddRegistryProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
            c.ProblemDetails.Extensions["traceId"] = c.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        return services;
    }

    public static WebApplication UseRegistryProblems(this WebApplication app)
    {
        app.UseWhen(c => c.Request.IsApi(), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
        });
        app.UseWhen(c => !c.Request.IsApi(), portal =>
        {
            portal.UseExceptionHandler("/error", createScopeForErrors: true);
            portal.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        });
        return app;
    }

    /// <summary>A database outage is transient: 503 with Retry-After, so clients (the CLI) back off and retry.</summary>
    private sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not (NpgsqlException or TimeoutException) || !context.Request.IsApi())
            {
                return false;
            }

            logger.LogWarning(exception, "Database unavailable for {Path}", context.Request.Path);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "The database is unavailable",
                    Detail = "The registry could not reach its database. Nothing was changed; retry shortly.",
                },
            });
        }
    }
}
