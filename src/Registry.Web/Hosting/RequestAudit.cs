// Who did it, from where, with what: the metadata every append carries (contract section 3).
using System.Security.Claims;
using Registry.EventStore;
using Registry.Web.Identity;

namespace Registry.Web.Hosting;

public static class RequestAudit
{
    /// <summary>The metadata of an append made on behalf of this request's user (or <paramref name="actor"/> when given).</summary>
    public static AppendMetadata Metadata(this HttpContext context, string? actor = null, string? reason = null)
    {
        var client = context.Request.Headers.UserAgent.ToString();
        return new AppendMetadata(
            Actor: actor ?? context.User.Username() ?? "anonymous",
            CorrelationId: context.Request.Headers.TryGetValue("X-Correlation-Id", out var id) && id.ToString() is { Length: > 0 and <= 100 } given ? given : context.TraceIdentifier,
            Reason: reason,
            Client: client.Length > 200 ? client[..200] : (client.Length == 0 ? null : client),
            Ip: context.RequestServices.GetRequiredService<TrustedProxies>().ClientAddress(context)?.ToString());
    }

    /// <summary>The registry username of a signed-in principal.</summary>
    public static string? Username(this ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? user.Identity.Name : null;
}
