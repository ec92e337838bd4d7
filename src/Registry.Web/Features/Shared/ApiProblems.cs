// Every user-caused error of the API as RFC 9457 problem+json: a human detail, and for bad input
// the offending field (`field`, and `errors` keyed by field as ASP.NET Core's validation problems are).
using Microsoft.AspNetCore.Http.HttpResults;
using Registry.Core;

namespace Registry.Web.Features.Shared;

public static class ApiProblems
{
    public static ProblemHttpResult From(Rejection rejection) => rejection.Kind switch
    {
        RejectionKind.Validation => Invalid(rejection.Field ?? "body", rejection.Reason),
        RejectionKind.NotFound => TypedResults.Problem(rejection.Reason, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
        RejectionKind.Conflict => TypedResults.Problem(rejection.Reason, statusCode: StatusCodes.Status409Conflict, title: "Conflict with the current state"),
        RejectionKind.Forbidden => TypedResults.Problem(rejection.Reason, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", extensions: new Dictionary<string, object?> { ["reason"] = rejection.Reason }),
        RejectionKind.PreconditionFailed => TypedResults.Problem(rejection.Reason, statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed"),
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection.Kind, "unknown rejection kind"),
    };

    public static ProblemHttpResult Invalid(string field, string detail) => TypedResults.Problem(
        detail,
        statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid request",
        extensions: new Dictionary<string, object?>
        {
            ["field"] = field,
            ["errors"] = new Dictionary<string, string[]> { [field] = [detail] },
        });

    public static ProblemHttpResult NotFound(string detail) => From(Rejection.NotFound(detail));

    /// <summary>Marks the problem statuses an endpoint can answer, for the OpenAPI document.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status);
        }

        return builder.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
    }
}
