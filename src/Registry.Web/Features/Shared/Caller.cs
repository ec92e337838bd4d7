// Who is calling and from where, as the log records it: actor, roles, correlation id, client, ip.
using System.Security.Claims;
using Registry.Core.Identity;
using Registry.EventStore;
using Registry.Web.Identity;

namespace Registry.Web.Features.Shared;

public static class Caller
{
    public const string CorrelationHeader = "X-Correlation-Id";

    public static string Actor(this ClaimsPrincipal user) =>
        user.Identity?.Name is { Length: > 0 } name ? name : throw new InvalidOperationException("an authenticated caller has no name claim");

    public static IReadOnlyCollection<string> RegistryRoles(this ClaimsPrincipal user) => [.. Roles.All.Where(user.IsInRole)];

    /// <summary>The metadata of an append for this request: by its user, or by <paramref name="actor"/> where nobody is signed in yet (sign-in, first single sign-on).</summary>
    public static AppendMetadata Metadata(this HttpContext context, string? reason = null, string? actor = null)
    {
        var correlation = context.Request.Headers[CorrelationHeader].ToString();
        if (correlation.Length is 0 or > 100 || correlation.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            correlation = context.TraceIdentifier;
        }

        var client = context.Request.Headers.UserAgent.ToString();
        client = new string([.. client.Take(200).Where(c => !char.IsControl(c))]);
        return new AppendMetadata(
            actor ?? context.User.Actor(),
            correlation,
            Reason: reason,
            Client: client.Length == 0 ? null : client,
            Ip: TrustedProxies.ClientAddress(context)?.ToString());
    }

    /// <summary>Page and page size from the query (page ≥ 1, 1 ≤ pageSize ≤ 500), or the field at fault.</summary>
    public static (int Page, int PageSize, string? Problem) Paging(int? page, int? pageSize) =>
        page is < 1 ? (0, 0, "page")
        : pageSize is < 1 or > 500 ? (0, 0, "pageSize")
        : (page ?? 1, pageSize ?? 50, null);
}

/// <summary>A page of a list, as every list of the API returns it.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total);
