// Authorization in one place. Every API endpoint (`.RequireAuthorization(Permissions.X)`) and every
// portal page (`@attribute [Authorize(Policy = Permissions.X)]`) names one of these policies, so the
// API and the portal cannot disagree about who may do what. Separation of duties (an approver may not
// approve a version they registered, a requester may not decide their own rollback) is decided per
// action in Registry.Core, not here: these policies only say which roles may attempt an action.
using Microsoft.AspNetCore.Authorization;
using Registry.Core.Identity;

namespace Registry.Web.Identity;

public static class Permissions
{
    /// <summary>Read anything: models, versions, lineage, the audit log, checkpoints, proofs.</summary>
    public const string Read = nameof(Read);

    /// <summary>Create and update models.</summary>
    public const string ManageModels = nameof(ManageModels);

    /// <summary>Register versions and submit them for approval.</summary>
    public const string RegisterVersions = nameof(RegisterVersions);

    /// <summary>Approve or reject a pending version.</summary>
    public const string Approve = nameof(Approve);

    /// <summary>Record a deployment.</summary>
    public const string Deploy = nameof(Deploy);

    /// <summary>Ask for a rollback.</summary>
    public const string RequestRollback = nameof(RequestRollback);

    /// <summary>Approve or reject a rollback request.</summary>
    public const string DecideRollback = nameof(DecideRollback);

    /// <summary>Create users, grant and revoke roles, revoke anyone's tokens.</summary>
    public const string ManageUsers = nameof(ManageUsers);

    /// <summary>See accounts, their roles and their sign-ins (the access review).</summary>
    public const string ReviewAccess = nameof(ReviewAccess);

    /// <summary>Anyone signed in, whatever their roles (their own profile, signing out).</summary>
    public const string SignedIn = nameof(SignedIn);

    /// <summary>Issue and revoke personal access tokens: an admin for anyone, any signed-in user for themselves.</summary>
    public const string ManageTokens = nameof(ManageTokens);

    /// <summary>Re-verify the whole log.</summary>
    public const string VerifyIntegrity = nameof(VerifyIntegrity);

    /// <summary>Sign a checkpoint now.</summary>
    public const string SignCheckpoint = nameof(SignCheckpoint);

    /// <summary>Configure webhooks.</summary>
    public const string ManageWebhooks = nameof(ManageWebhooks);

    /// <summary>Download evidence bundles and reports.</summary>
    public const string ExportEvidence = nameof(ExportEvidence);

    /// <summary>The route value that names the user a <see cref="ManageTokens"/> request acts on.</summary>
    public const string UsernameRouteValue = "username";

    /// <summary>The roles each policy admits. The matrix test and docs/identity.md are checked against this table.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> RolesByPolicy = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Read] = Roles.All,
        [ManageModels] = [Roles.DataScientist],
        [RegisterVersions] = [Roles.DataScientist],
        [Approve] = [Roles.Approver, Roles.Compliance],
        [Deploy] = [Roles.Approver, Roles.Admin],
        [RequestRollback] = [Roles.Admin, Roles.DataScientist, Roles.Approver, Roles.Compliance],
        [DecideRollback] = [Roles.Approver],
        [ManageUsers] = [Roles.Admin],
        [ReviewAccess] = [Roles.Admin, Roles.Compliance, Roles.Auditor],
        [SignedIn] = Roles.All,
        [ManageTokens] = [Roles.Admin],
        [VerifyIntegrity] = [Roles.Admin, Roles.Auditor],
        [SignCheckpoint] = [Roles.Admin],
        [ManageWebhooks] = [Roles.Admin],
        [ExportEvidence] = Roles.All,
    };

    /// <summary>Whether a holder of <paramref name="roles"/> passes <paramref name="policy"/> (ignoring the "themselves" rule of <see cref="ManageTokens"/>).</summary>
    public static bool Allows(string policy, IEnumerable<string> roles) =>
        RolesByPolicy.TryGetValue(policy, out var allowed) && roles.Any(r => allowed.Contains(r, StringComparer.Ordinal));

    /// <summary>Registers every policy. A policy name that is not in the table is an error at start-up, not a silent allow.</summary>
    public static IServiceCollection AddRegistryAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, SelfOrRoleHandler>();
        services.AddAuthorizationBuilder().AddPermissionPolicies();
        return services;
    }

    private static AuthorizationBuilder AddPermissionPolicies(this AuthorizationBuilder builder)
    {
        foreach (var (policy, roles) in RolesByPolicy)
        {
            if (policy == SignedIn)
            {
                builder.AddPolicy(policy, p => p.RequireAuthenticatedUser());
            }
            else if (policy == ManageTokens)
            {
                builder.AddPolicy(policy, p => p.RequireAuthenticatedUser().AddRequirements(new SelfOrRoleRequirement(roles)));
            }
            else
            {
                builder.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
            }
        }

        return builder;
    }

    /// <summary>Passes for a holder of one of the roles, or when the request acts on the caller's own account.</summary>
    internal sealed record SelfOrRoleRequirement(IReadOnlyList<string> Roles) : IAuthorizationRequirement;

    internal sealed class SelfOrRoleHandler : AuthorizationHandler<SelfOrRoleRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SelfOrRoleRequirement requirement)
        {
            if (requirement.Roles.Any(context.User.IsInRole))
            {
                context.Succeed(requirement);
                return Task.CompletedTask;
            }

            var self = context.User.Identity?.Name;
            var target = context.Resource switch
            {
                HttpContext http => http.GetRouteValue(UsernameRouteValue) as string,
                _ => null,
            };

            // No username in the route means the page or endpoint acts on the caller ("my tokens").
            if (self is not null && (target is null || string.Equals(target, self, StringComparison.Ordinal)))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }
}
