// Single sign-on through a trusted reverse proxy (oauth2-proxy, Azure App Service Authentication):
// the proxy authenticates the user against the identity provider and passes who they are in
// headers. Those headers are believed ONLY when the TCP peer is a configured proxy; from anyone
// else they are ignored, as if absent. Groups map to roles by configuration; roles granted in the
// registry add to them. A user seen for the first time is created in the log (source "sso").
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Registry.Core.Identity;
using Registry.Web.Features.Shared;
using Registry.Web.Hosting;

namespace Registry.Web.Identity;

/// <summary><c>Registry:Sso</c>. Inactive until <c>KnownProxies</c> or <c>KnownNetworks</c> names a proxy (see <see cref="TrustedProxies"/>).</summary>
public sealed class SingleSignOnOptions : AuthenticationSchemeOptions
{
    /// <summary>The header carrying the username (oauth2-proxy: X-Forwarded-Preferred-Username, X-Forwarded-User or X-Forwarded-Email).</summary>
    public string UserHeader { get; set; } = "X-Forwarded-Preferred-Username";

    public string EmailHeader { get; set; } = "X-Forwarded-Email";

    /// <summary>Comma-separated groups (oauth2-proxy's X-Forwarded-Groups).</summary>
    public string GroupsHeader { get; set; } = "X-Forwarded-Groups";

    /// <summary>Read Azure App Service Authentication's X-MS-CLIENT-PRINCIPAL (and -NAME).</summary>
    public bool AzureAppService { get; set; }

    /// <summary>Usernames of the form <c>name@domain</c> with one of these domains become <c>name</c>; others must already be valid registry names.</summary>
    public string[] EmailDomains { get; set; } = [];

    /// <summary>Identity-provider group (or app role) → registry roles.</summary>
    public Dictionary<string, string[]> GroupRoles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Create the account in the log the first time a user arrives through the proxy.</summary>
    public bool CreateUsers { get; set; } = true;

    /// <summary>A request after this long without one is a new sign-in, recorded as <c>SignedIn</c>; never more than one per period per user (see <see cref="SingleSignOnSignIns"/>).</summary>
    public TimeSpan SignInPeriod { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>Who the proxy says the user is.</summary>
public sealed record ProxyIdentity(string Username, string? Email, IReadOnlyList<string> Groups);

internal sealed class SingleSignOnHandler(
    IOptionsMonitor<SingleSignOnOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TrustedProxies proxies,
    Accounts accounts,
    SingleSignOnSignIns signIns) : AuthenticationHandler<SingleSignOnOptions>(options, loggerFactory, encoder)
{
    public const string AzurePrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>True when this request comes from a trusted proxy and carries a user: the policy scheme forwards to this handler then.</summary>
    public static bool Applies(HttpContext context, SingleSignOnOptions options, TrustedProxies proxies) =>
        !proxies.IsEmpty && proxies.IsTrusted(context) &&
        (context.Request.Headers.ContainsKey(options.UserHeader) || (options.AzureAppService && context.Request.Headers.ContainsKey(AzurePrincipalHeader)));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!proxies.IsTrusted(Context))
        {
            return AuthenticateResult.NoResult();
        }

        var asserted = Options.AzureAppService && Request.Headers.ContainsKey(AzurePrincipalHeader) ? ReadAzure() : ReadHeaders();
        if (asserted is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (Normalize(asserted.Username) is not { } username)
        {
            Logger.LogWarning("Single sign-on refused: '{Username}' is not a valid registry username", asserted.Username);
            return AuthenticateResult.Fail($"The identity provider's username '{asserted.Username}' is not a valid registry username (see Registry:Sso:EmailDomains).");
        }

        var user = await accounts.FindUserAsync(username, Context.RequestAborted);
        if (user is null && Options.CreateUsers)
        {
            var created = await accounts.CreateUserAsync(
                username, username, asserted.Email, [], password: null, AccountSources.SingleSignOn,
                Context.Metadata(reason: "first sign-in through the single sign-on proxy", actor: username), Context.RequestAborted);
            user = created.Value ?? await accounts.FindUserAsync(username, Context.RequestAborted);
        }

        if (user is not null)
        {
            await signIns.SeenAsync(username, Options.SignInPeriod, () => Context.Metadata(reason: "signed in through the single sign-on proxy", actor: username), Context.RequestAborted);
        }

        var mapped = asserted.Groups.SelectMany(g => Options.GroupRoles.TryGetValue(g, out var r) ? r : []).Where(Roles.IsKnown);
        var roles = mapped.Concat(user?.Roles ?? []);
        return AuthenticateResult.Success(new AuthenticationTicket(
            RegistryClaims.Principal(Scheme.Name, username, user?.DisplayName ?? username, roles), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Request.IsApi())
        {
            await AuthenticationProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, AuthenticationProblems.UnauthenticatedDetail);
        }
        else
        {
            Response.Redirect("/account/denied");
        }
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        if (Request.IsApi())
        {
            await AuthenticationProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, AuthenticationProblems.ForbiddenDetail(Context));
        }
        else
        {
            Response.Redirect("/account/denied");
        }
    }

    private ProxyIdentity? ReadHeaders()
    {
        var user = Request.Headers[Options.UserHeader].ToString();
        if (user.Length == 0)
        {
            return null;
        }

        var email = Request.Headers[Options.EmailHeader].ToString();
        var groups = Request.Headers[Options.GroupsHeader].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new ProxyIdentity(user, email.Length > 0 ? email : null, groups);
    }

    /// <summary>Base64 JSON: <c>{"auth_typ","name_typ","role_typ","claims":[{"typ","val"}]}</c>.</summary>
    private ProxyIdentity? ReadAzure()
    {
        try
        {
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(Request.Headers[AzurePrincipalHeader].ToString())));
            var root = document.RootElement;
            var nameType = root.TryGetProperty("name_typ", out var n) ? n.GetString() : ClaimTypes.Name;
            var roleType = root.TryGetProperty("role_typ", out var r) ? r.GetString() : ClaimTypes.Role;
            var claims = root.GetProperty("claims").EnumerateArray()
                .Select(c => (Type: c.GetProperty("typ").GetString() ?? "", Value: c.GetProperty("val").GetString() ?? ""))
                .ToArray();
            var name = Request.Headers["X-MS-CLIENT-PRINCIPAL-NAME"].ToString() is { Length: > 0 } header
                ? header
                : claims.FirstOrDefault(c => c.Type == nameType || c.Type == "preferred_username").Value;
            if (string.IsNullOrEmpty(name))
            {
                return null;
            }

            var email = claims.FirstOrDefault(c => c.Type is ClaimTypes.Email or "email" or "preferred_username").Value;
            var groups = claims.Where(c => c.Type == roleType || c.Type is "groups" or "roles").Select(c => c.Value).ToArray();
            return new ProxyIdentity(name, email, groups);
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Logger.LogWarning("Ignored a malformed {Header} from the trusted proxy: {Message}", AzurePrincipalHeader, e.Message);
            return null;
        }
    }

    private string? Normalize(string asserted)
    {
        var name = asserted.Trim().ToLowerInvariant();
        var at = name.LastIndexOf('@');
        if (at > 0 && Options.EmailDomains.Any(d => string.Equals(d, name[(at + 1)..], StringComparison.OrdinalIgnoreCase)))
        {
            name = name[..at];
        }

        return UserDecider.IsValidUsername(name) ? name : null;
    }
}
