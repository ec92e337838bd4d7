// 401 and 403 for the API as RFC 9457 problem documents, whichever scheme refused.
using Registry.Web.Hosting;

namespace Registry.Web.Identity;

internal static class AuthenticationProblems
{
    public const string UnauthenticatedDetail = "Authenticate with 'Authorization: Bearer <token>' (a personal access token) or sign in to the portal.";

    public static async Task WriteAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"registry\"";
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = status,
                Title = status == StatusCodes.Status401Unauthorized ? "Authentication required" : "Not allowed",
                Detail = detail,
            },
        });
    }

    public static string ForbiddenDetail(HttpContext context) =>
        $"'{context.User.Identity?.Name}' does not hold a role that may do this. See docs/identity.md for the roles each action needs.";
}
