// The principal every scheme produces: Name = the registry username, one role claim per role.
// Policies (Permissions) only ever look at these, whatever scheme signed the user in.
using System.Security.Claims;

namespace Registry.Web.Identity;

public static class RegistryClaims
{
    public const string DisplayName = "display_name";

    /// <summary>On cookie principals: when the password was last changed, so a change signs out other sessions.</summary>
    public const string PasswordStamp = "registry:password-stamp";

    /// <summary>On token principals: the token's id.</summary>
    public const string TokenId = "registry:token-id";

    public static ClaimsPrincipal Principal(string scheme, string username, string displayName, IEnumerable<string> roles, params Claim[] extra)
    {
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, username));
        identity.AddClaim(new Claim(DisplayName, displayName));
        identity.AddClaims(roles.Distinct(StringComparer.Ordinal).Select(r => new Claim(ClaimTypes.Role, r)));
        identity.AddClaims(extra);
        return new ClaimsPrincipal(identity);
    }

    public static string? PasswordStampOf(DateTimeOffset? passwordChangedAt) =>
        passwordChangedAt?.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
