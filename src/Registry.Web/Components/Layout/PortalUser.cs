// The signed-in person as the portal shows them: username, display name, roles.
using System.Security.Claims;
using Registry.Core.Identity;
using Registry.Web.Identity;

namespace Registry.Web.Components.Layout;

public sealed record PortalUser(string Username, string DisplayName, IReadOnlyList<string> Roles)
{
    public static PortalUser? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } username })
        {
            return null;
        }

        var displayName = principal.FindFirst(RegistryClaims.DisplayName)?.Value is { Length: > 0 } name ? name : username;
        var roles = principal.FindAll(ClaimTypes.Role).Select(c => c.Value).Where(Registry.Core.Identity.Roles.IsKnown).Distinct(StringComparer.Ordinal).OrderBy(RoleOrder).ToList();
        return new PortalUser(username, displayName, roles);
    }

    private static int RoleOrder(string role)
    {
        for (var i = 0; i < Registry.Core.Identity.Roles.All.Count; i++)
        {
            if (Registry.Core.Identity.Roles.All[i] == role)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>May take reports and evidence away (the /reports page): the API's own permission table decides.</summary>
    public bool CanExport => Permissions.Allows(Permissions.ExportEvidence, Roles);

    public bool CanReviewVersions => Has(Registry.Core.Identity.Roles.Approver) || Has(Registry.Core.Identity.Roles.Compliance);
}
