// /api/v1/users: accounts, roles, passwords and personal access tokens (contract section 2).
using Microsoft.AspNetCore.Http.HttpResults;
using Registry.Core.Identity;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Users;

public static class UsersApi
{
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Users");
        api.MapGet("/me", Me).RequireAuthorization(Permissions.SignedIn);

        var users = api.MapGroup("/users");
        users.MapPost("", Create).RequireAuthorization(Permissions.ManageUsers);
        users.MapGet("", List).RequireAuthorization(Permissions.ReviewAccess);
        users.MapGet("/{username}", Get).RequireAuthorization(Permissions.ReviewAccess);
        users.MapGet("/{username}/sign-ins", SignIns).RequireAuthorization(Permissions.ReviewAccess);
        users.MapPost("/{username}/roles", ChangeRoles).RequireAuthorization(Permissions.ManageUsers);
        users.MapPost("/{username}/password", SetPassword).RequireAuthorization(Permissions.ManageUsers);
        users.MapPost("/{username}/unlock", Unlock).RequireAuthorization(Permissions.ManageUsers);
        users.MapPost("/{username}/tokens", IssueToken).RequireAuthorization(Permissions.ManageTokens).ShowsSecretOnce();
        users.MapGet("/{username}/tokens", ListTokens).RequireAuthorization(Permissions.ManageTokens);
        users.MapPost("/{username}/tokens/{id}/revoke", RevokeToken).RequireAuthorization(Permissions.ManageTokens);
        return app;
    }

    public sealed record CreateUserRequest(string? Username, string? DisplayName, string[]? Roles, string? Password, string? Email);

    public sealed record ChangeRolesRequest(string[]? Grant, string[]? Revoke);

    public sealed record SetPasswordRequest(string? Password);

    public sealed record IssueTokenRequest(string? Name, DateTimeOffset? ExpiresAt);

    public sealed record Profile(string Username, string DisplayName, IReadOnlyList<string> Roles);

    private static Ok<Profile> Me(HttpContext context) => TypedResults.Ok(new Profile(
        context.User.Actor(),
        context.User.FindFirst(RegistryClaims.DisplayName)?.Value ?? context.User.Actor(),
        [.. context.User.FindAll(System.Security.Claims.ClaimTypes.Role).Select(c => c.Value).Order(StringComparer.Ordinal)]));

    private static async Task<Results<Created<UserSummary>, ProblemHttpResult>> Create(CreateUserRequest request, Accounts accounts, HttpContext context, CancellationToken cancellationToken)
    {
        if (request.Username is null || request.DisplayName is null)
        {
            return Invalid("'username' and 'displayName' are required.");
        }

        var outcome = await accounts.CreateUserAsync(request.Username, request.DisplayName, request.Email, request.Roles ?? [], request.Password, AccountSources.Local, context.Metadata(), cancellationToken);
        return outcome.Rejection is { } rejection
            ? Problem(rejection)
            : TypedResults.Created($"/api/v1/users/{outcome.Value!.Username}", outcome.Value);
    }

    private static async Task<Results<Ok<Page<UserSummary>>, ProblemHttpResult>> List(Accounts accounts, CancellationToken cancellationToken, int? page = null, int? pageSize = null)
    {
        var paging = Caller.Paging(page, pageSize);
        if (paging.Problem is { } field)
        {
            return Invalid($"'{field}' is out of range: page starts at 1; pageSize is 1 to {MaxPageSize}.");
        }

        var (items, total) = await accounts.ListUsersAsync(paging.Page, paging.PageSize, cancellationToken);
        return TypedResults.Ok(new Page<UserSummary>(items, total));
    }

    private static async Task<Results<Ok<UserSummary>, ProblemHttpResult>> Get(string username, Accounts accounts, CancellationToken cancellationToken) =>
        await accounts.FindUserAsync(username, cancellationToken) is { } user ? TypedResults.Ok(user) : NoSuchUser(username);

    private static async Task<Results<Ok<Page<SignInRecord>>, ProblemHttpResult>> SignIns(string username, Accounts accounts, CancellationToken cancellationToken, int limit = 100)
    {
        if (await accounts.FindUserAsync(username, cancellationToken) is null)
        {
            return NoSuchUser(username);
        }

        var records = await accounts.SignInsAsync(username, Math.Clamp(limit, 1, MaxPageSize), cancellationToken);
        return TypedResults.Ok(new Page<SignInRecord>(records, records.Count));
    }

    private static async Task<Results<Ok<UserSummary>, ProblemHttpResult>> ChangeRoles(string username, ChangeRolesRequest request, Accounts accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await accounts.ChangeRolesAsync(username, request.Grant ?? [], request.Revoke ?? [], context.Metadata(), cancellationToken);
        return outcome.Rejection is { } rejection ? Problem(rejection) : TypedResults.Ok(outcome.Value!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetPassword(string username, SetPasswordRequest request, Accounts accounts, HttpContext context, CancellationToken cancellationToken) =>
        await accounts.ChangePasswordAsync(username, currentPassword: null, request.Password ?? "", context.Metadata(), cancellationToken) is { } rejection
            ? Problem(rejection)
            : TypedResults.NoContent();

    private static async Task<Results<NoContent, ProblemHttpResult>> Unlock(string username, Accounts accounts, HttpContext context, CancellationToken cancellationToken) =>
        await accounts.UnlockAsync(username, context.Metadata(), cancellationToken) is { } rejection ? Problem(rejection) : TypedResults.NoContent();

    private static async Task<Results<Created<NewToken>, ProblemHttpResult>> IssueToken(string username, IssueTokenRequest request, Accounts accounts, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await accounts.IssueTokenAsync(username, request.Name ?? "", request.ExpiresAt, context.Metadata(), cancellationToken);
        return outcome.Rejection is { } rejection
            ? Problem(rejection)
            : TypedResults.Created($"/api/v1/users/{username}/tokens", outcome.Value);
    }

    private static async Task<Results<Ok<Page<TokenSummary>>, ProblemHttpResult>> ListTokens(string username, Accounts accounts, CancellationToken cancellationToken)
    {
        if (await accounts.FindUserAsync(username, cancellationToken) is null)
        {
            return NoSuchUser(username);
        }

        var tokens = await accounts.ListTokensAsync(username, cancellationToken);
        return TypedResults.Ok(new Page<TokenSummary>(tokens, tokens.Count));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeToken(string username, string id, Accounts accounts, HttpContext context, CancellationToken cancellationToken) =>
        await accounts.RevokeTokenAsync(username, id, context.Metadata(), cancellationToken) is { } rejection ? Problem(rejection) : TypedResults.NoContent();

    private static ProblemHttpResult Invalid(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    private static ProblemHttpResult NoSuchUser(string username) => TypedResults.Problem($"There is no user '{username}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ProblemHttpResult Problem(UserRejection rejection) => rejection.Kind switch
    {
        UserRejectionKind.NotFound => TypedResults.Problem(rejection.Detail, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
        UserRejectionKind.Conflict => TypedResults.Problem(rejection.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        _ => Invalid(rejection.Detail),
    };
}
