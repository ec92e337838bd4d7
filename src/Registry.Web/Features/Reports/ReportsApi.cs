// PDF reports: the model dossier, the period (activity) report and the access report. Each is
// rendered from the portal's Razor components and printed by PdfPrinter; a slow or failed print is
// a 503 problem that says so, never a hung request.
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Registry.Core;
using Registry.Web.Features.Evidence;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Reports;

public static class ReportsApi
{
    public const string PdfType = "application/pdf";

    /// <summary>Reports and evidence exports: printer, renderer, queries, bundle writer; <c>Registry:Reports</c> options.</summary>
    public static IServiceCollection AddRegistryReports(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ReportOptions>(configuration.GetSection(ReportOptions.Section));
        services.TryAddSingleton<Users.UserDirectory>();
        services.AddSingleton<PdfPrinter>();
        services.AddSingleton<ReportRenderer>();
        services.AddSingleton<CheckpointSource>();
        services.AddSingleton<EvidenceBundle>();
        services.AddSingleton<DossierQuery>();
        services.AddSingleton<ActivityQuery>();
        services.AddSingleton<AccessQuery>();
        return services;
    }

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Reports");
        group.MapGet("/models/{name}/report.pdf", Dossier).RequireAuthorization(Permissions.ExportEvidence).Produces(200, contentType: PdfType).ProducesProblems(400, 404, 503);
        group.MapGet("/reports/activity.pdf", Activity).RequireAuthorization(Permissions.ExportEvidence).Produces(200, contentType: PdfType).ProducesProblems(400, 503);
        group.MapGet("/reports/access.pdf", Access).RequireAuthorization(Permissions.ReviewAccess).Produces(200, contentType: PdfType).ProducesProblems(503);
        return app;
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Dossier(
        string name, string? asOf, DossierQuery query, ReportRenderer renderer, PdfPrinter printer, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Validation.IsName(name))
        {
            return ApiProblems.Invalid("name", "a model name is 1 to 100 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit");
        }

        var (at, problem) = ParseTime("asOf", asOf);
        if (problem is not null)
        {
            return problem;
        }

        var dossier = await query.BuildAsync(name, at, context.User.Actor(), cancellationToken);
        if (dossier is null)
        {
            return ApiProblems.NotFound(asOf is null ? $"no model named '{name}'" : $"no model named '{name}' existed at {asOf}");
        }

        var html = await renderer.RenderAsync<DossierReport>(new Dictionary<string, object?> { [nameof(DossierReport.Dossier)] = dossier });
        var file = at is { } t ? $"dossier-{name}-as-of-{t.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.pdf" : $"dossier-{name}.pdf";
        return await PrintAsync(printer, html, file, context, cancellationToken);
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Activity(
        string? from, string? to, ActivityQuery query, ReportRenderer renderer, PdfPrinter printer, TimeProvider time, HttpContext context, CancellationToken cancellationToken)
    {
        var (period, problem) = ParsePeriod(from, to, time);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await query.BuildAsync(period.From, period.To, context.User.Actor(), cancellationToken);
        if (outcome.Report is null)
        {
            return ApiProblems.Invalid("from", $"The period holds {outcome.EventsInPeriod.ToString(CultureInfo.InvariantCulture)} events; an activity report prints at most {ActivityQuery.MaxEvents.ToString(CultureInfo.InvariantCulture)}. Choose a shorter period, or export the period's evidence bundle (GET /api/v1/evidence?from=&to=).");
        }

        var html = await renderer.RenderAsync<ActivityReportDocument>(new Dictionary<string, object?> { [nameof(ActivityReportDocument.Report)] = outcome.Report });
        return await PrintAsync(printer, html, $"activity-{period.From.UtcDateTime:yyyyMMdd}-{period.To.UtcDateTime:yyyyMMdd}.pdf", context, cancellationToken);
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Access(
        AccessQuery query, ReportRenderer renderer, PdfPrinter printer, HttpContext context, CancellationToken cancellationToken)
    {
        var report = await query.BuildAsync(context.User.Actor(), cancellationToken);
        var html = await renderer.RenderAsync<AccessReportDocument>(new Dictionary<string, object?> { [nameof(AccessReportDocument.Report)] = report });
        return await PrintAsync(printer, html, $"access-{report.GeneratedAt.UtcDateTime:yyyyMMdd}.pdf", context, cancellationToken);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PrintAsync(PdfPrinter printer, string html, string fileName, HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.Headers.CacheControl = "no-store";
        return await printer.PrintAsync(html, cancellationToken) switch
        {
            PrintOutcome.Printed printed => TypedResults.File(printed.Pdf, PdfType, fileName),
            PrintOutcome.TimedOut timedOut => Unavailable(context, "The report took too long",
                timedOut.WaitedForBrowser
                    ? $"Other reports were being printed and none finished within {Duration(timedOut.Timeout)}. Nothing was left running; retry shortly."
                    : $"Printing the report took longer than {Duration(timedOut.Timeout)} and was stopped; nothing was left running. Retry shortly, or ask an administrator to raise {ReportOptions.Section}:Timeout."),
            PrintOutcome.Failed failed => Unavailable(context, "The report could not be printed", failed.Detail),
            _ => throw new InvalidOperationException("unknown print outcome"),
        };
    }

    /// <summary>"60 s", "1.5 s", "250 ms": a configured timeout as a person reads it.</summary>
    private static string Duration(TimeSpan timeout) => timeout.TotalSeconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{timeout.TotalSeconds:0.#} s")
        : string.Create(CultureInfo.InvariantCulture, $"{timeout.TotalMilliseconds:0.###} ms");

    private static ProblemHttpResult Unavailable(HttpContext context, string title, string detail)
    {
        context.Response.Headers.RetryAfter = "10";
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: title);
    }

    /// <summary>An optional RFC 3339 time from the query string, or the problem naming the field.</summary>
    public static (DateTimeOffset? At, ProblemHttpResult? Problem) ParseTime(string field, string? value)
    {
        if (value is null)
        {
            return (null, null);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? (at.ToUniversalTime(), null)
            : (null, ApiProblems.Invalid(field, $"{field} must be an RFC 3339 time or a date, e.g. 2026-11-21T12:00:00Z or 2026-11-21"));
    }

    /// <summary>[from, to): from required, to defaults to now; a bare date starts at its midnight UTC, and as <c>to</c> includes its whole day.</summary>
    public static ((DateTimeOffset From, DateTimeOffset To) Period, ProblemHttpResult? Problem) ParsePeriod(string? from, string? to, TimeProvider time)
    {
        if (from is null)
        {
            return (default, ApiProblems.Invalid("from", "from is required: the start of the period (inclusive), e.g. 2026-11-01"));
        }

        var (start, problem) = ParseTime("from", from);
        if (problem is not null)
        {
            return (default, problem);
        }

        (DateTimeOffset? end, problem) = to is null ? (time.GetUtcNow(), null) : ParseTime("to", to);
        if (problem is not null)
        {
            return (default, problem);
        }

        // A bare date as the end means the whole of that day: to=2026-11-30 covers the 30th.
        if (to is { Length: 10 } && DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            end = end!.Value.AddDays(1);
        }

        return start < end
            ? ((start!.Value, end!.Value), null)
            : (default, ApiProblems.Invalid("to", "to must be after from"));
    }
}
