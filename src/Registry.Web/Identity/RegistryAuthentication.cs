// Wires identity into the host: one policy scheme that picks, per request, a personal access token
// (Authorization: Bearer), the single sign-on proxy (trusted peers only) or the portal cookie; the
// permission policies; the sign-in rate limiter; security headers; and the bootstrap admin.
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Registry.Core.Identity;
using Registry.EventStore;
using Registry.EventStore.Projections;
using Registry.Web.Hosting;

namespace Registry.Web.Identity;

public static class RegistryAuthentication
{
    public const string Scheme = "Registry";
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string SingleSignOnScheme = "Proxy";
    public const string SignInRateLimit = "sign-in";

    public static WebApplicationBuilder AddRegistryIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IProjection, UserProjection>();
        services.AddSingleton(BootstrapToken.FromConfiguration(configuration));
        services.AddSingleton(TrustedProxies.FromConfiguration(configuration));
        services.AddSingleton(new LockoutPolicy(
            configuration.GetValue("Registry:SignIn:MaxFailures", LockoutPolicy.Default.MaxFailures),
            TimeSpan.FromMinutes(configuration.GetValue("Registry:SignIn:LockoutMinutes", LockoutPolicy.Default.Duration.TotalMinutes))));
        services.AddSingleton<TokenUsage>();
        services.AddSingleton<AccountCache>();
        services.AddHostedService<AccountCacheWatcher>();
        services.AddSingleton<UserStreams>();
        services.AddSingleton<Accounts>();
        services.AddSingleton<SingleSignOnSignIns>();

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Token, single sign-on or cookie", o => o.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, AccessTokenHandler>(BearerScheme, null)
            .AddScheme<SingleSignOnOptions, SingleSignOnHandler>(SingleSignOnScheme, o => configuration.GetSection("Registry:Sso").Bind(o))
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "registry.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.LoginPath = "/account/sign-in";
                o.AccessDeniedPath = "/account/denied";
                o.ExpireTimeSpan = TimeSpan.FromHours(configuration.GetValue("Registry:SignIn:SessionHours", 8.0));
                o.SlidingExpiration = true;
                o.Events = new CookieAuthenticationEvents
                {
                    OnValidatePrincipal = RefreshFromAccountAsync,
                    OnRedirectToLogin = c => c.Request.IsApi()
                        ? AuthenticationProblems.WriteAsync(c.HttpContext, StatusCodes.Status401Unauthorized, AuthenticationProblems.UnauthenticatedDetail)
                        : Redirect(c),
                    OnRedirectToAccessDenied = c => c.Request.IsApi()
                        ? AuthenticationProblems.WriteAsync(c.HttpContext, StatusCodes.Status403Forbidden, AuthenticationProblems.ForbiddenDetail(c.HttpContext))
                        : Redirect(c),
                };
            });

        services.AddRegistryAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            var perMinute = configuration.GetValue("Registry:SignIn:AttemptsPerMinute", 10);
            o.AddPolicy(SignInRateLimit, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    TrustedProxies.ClientAddress(context)?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter(""));
        });
        return builder;
    }

    /// <summary>Authentication, authorization and rate limiting, in that order, after routing.</summary>
    public static WebApplication UseRegistryIdentity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    private static string SelectScheme(HttpContext context)
    {
        if (context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return BearerScheme;
        }

        var sso = context.RequestServices.GetRequiredService<IOptionsMonitor<SingleSignOnOptions>>().Get(SingleSignOnScheme);
        if (SingleSignOnHandler.Applies(context, sso, context.RequestServices.GetRequiredService<TrustedProxies>()))
        {
            return SingleSignOnScheme;
        }

        // No credentials at all on an API call: the bearer handler answers the challenge with a 401 problem.
        return context.Request.IsApi() && !context.Request.Cookies.ContainsKey("registry.auth") ? BearerScheme : CookieScheme;
    }

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Every portal request checks the account (a primary-key read, or AccountCache while the log says
    /// the account has not changed): revoked roles take effect at once, and a changed password ends
    /// every other session.
    /// </summary>
    private static async Task RefreshFromAccountAsync(CookieValidatePrincipalContext context)
    {
        var username = context.Principal?.Identity?.Name;
        var services = context.HttpContext.RequestServices;
        var user = username is null ? null : await CurrentAccountAsync(services.GetRequiredService<Accounts>(), services.GetRequiredService<AccountCache>(), username, context.HttpContext.RequestAborted);
        if (user is null || context.Principal!.FindFirst(RegistryClaims.PasswordStamp)?.Value != (RegistryClaims.PasswordStampOf(user.PasswordChangedAt) ?? ""))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
            return;
        }

        context.ReplacePrincipal(CookiePrincipal(user));
    }

    private static async Task<UserSummary?> CurrentAccountAsync(Accounts accounts, AccountCache cache, string username, CancellationToken cancellationToken)
    {
        if (cache.TryGetUser(username, out var cached))
        {
            return cached;
        }

        var generation = cache.Generation;
        var user = await accounts.FindUserAsync(username, cancellationToken);
        if (user is not null)
        {
            cache.Remember(user, generation);
        }

        return user;
    }

    public static System.Security.Claims.ClaimsPrincipal CookiePrincipal(UserSummary user) =>
        RegistryClaims.Principal(CookieScheme, user.Username, user.DisplayName, user.Roles,
            new System.Security.Claims.Claim(RegistryClaims.PasswordStamp, RegistryClaims.PasswordStampOf(user.PasswordChangedAt) ?? ""));
}
