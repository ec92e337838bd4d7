// The audit view as CSV (RFC 4180), with the same filters as the page, oldest first, streamed.
// Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) are prefixed with an
// apostrophe: an actor name or a reason must never execute on an auditor's machine.
using System.Globalization;
using System.Text;
using Registry.Web.Identity;

namespace Registry.Web.Features.Audit;

public static class AuditCsv
{
    public const string Header = "position,recorded_at,actor,type,stream,stream_version,reason,leaf_hash,chain_hash";

    public static IEndpointRouteBuilder MapAuditCsv(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audit.csv", Export).RequireAuthorization(Permissions.Read).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> Export(HttpContext http, AuditLog log, string? actor, string? model, string? type, string? from, string? to, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var filter = AuditFilter.Parse(actor, model, type, from, to, errors);
        if (errors.Count > 0)
        {
            return TypedResults.Problem(detail: string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest, title: "The filter is not valid");
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"registry-audit-{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteAsync(Header + "\r\n");
        await foreach (var entry in log.AllAsync(filter, cancellationToken))
        {
            await writer.WriteAsync(Line(entry));
        }

        await writer.FlushAsync(cancellationToken);
        return TypedResults.Empty;
    }

    public static string Line(AuditEntry e) => string.Join(
        ',',
        e.Position.ToString(CultureInfo.InvariantCulture),
        e.RecordedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        Cell(e.Actor),
        Cell(e.Type),
        Cell(e.Stream),
        e.Version.ToString(CultureInfo.InvariantCulture),
        Cell(e.Reason ?? ""),
        e.LeafHash,
        e.ChainHash) + "\r\n";

    public static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
