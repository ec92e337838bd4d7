// Signing out is a POST (with the antiforgery token the layout's form carries): a GET that signs
// out could be triggered by any image tag on any page.
using Microsoft.AspNetCore.Authentication;
using Registry.Web.Identity;

namespace Registry.Web.Features.Account;

public static class AccountEndpoints
{
    public const string SignOutPath = "/account/sign-out";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // Binding the form is what makes the antiforgery check apply to this endpoint.
        app.MapPost(SignOutPath, async (HttpContext context, IFormCollection form) =>
        {
            await context.SignOutAsync(RegistryAuthentication.CookieScheme);
            return TypedResults.Redirect("/account/sign-in");
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
