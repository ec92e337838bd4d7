// Which peers may speak for a user (single sign-on headers) and for the client's address
// (X-Forwarded-For): only the configured reverse proxies. Everyone else's headers are ignored.
using System.Net;

namespace Registry.Web.Identity;

public sealed class TrustedProxies
{
    private readonly IReadOnlyList<IPAddress> _addresses;
    private readonly IReadOnlyList<IPNetwork> _networks;

    public TrustedProxies(IEnumerable<string> addresses, IEnumerable<string> networks)
    {
        _addresses = [.. addresses.Select(a => IPAddress.Parse(a.Trim()))];
        _networks = [.. networks.Select(n => IPNetwork.Parse(n.Trim()))];
    }

    public static TrustedProxies FromConfiguration(IConfiguration configuration) => new(
        configuration.GetSection("Registry:Sso:KnownProxies").Get<string[]>() ?? [],
        configuration.GetSection("Registry:Sso:KnownNetworks").Get<string[]>() ?? []);

    public bool IsEmpty => _addresses.Count == 0 && _networks.Count == 0;

    /// <summary>True when the TCP peer of this request is a configured proxy.</summary>
    public bool IsTrusted(HttpContext context) => context.Connection.RemoteIpAddress is { } peer && IsTrusted(peer);

    public bool IsTrusted(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return _addresses.Any(a => a.Equals(address)) || _networks.Any(n => n.Contains(address));
    }

    /// <summary>The client's address: the peer, or the nearest untrusted hop of X-Forwarded-For when the peer is a trusted proxy.</summary>
    public IPAddress? ClientAddress(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress;
        if (peer is null || !IsTrusted(peer))
        {
            return peer;
        }

        var hops = context.Request.Headers["X-Forwarded-For"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var i = hops.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out var hop))
            {
                return peer;
            }

            if (!IsTrusted(hop))
            {
                return hop;
            }
        }

        return peer;
    }
}
