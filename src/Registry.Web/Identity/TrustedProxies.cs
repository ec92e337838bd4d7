// Which peers may speak for a user (single sign-on headers), for the client's address
// (X-Forwarded-For) and for the scheme the client used (X-Forwarded-Proto): only the configured
// reverse proxies. Everyone else's headers are ignored.
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Registry.Web.Identity;

/// <summary>The TCP peer of a request, kept before X-Forwarded-For replaces the remote address with the client's.</summary>
public sealed record TcpPeer(IPAddress? Address);

public static class TrustedProxyHeaders
{
    /// <summary>
    /// First in the pipeline: from a trusted proxy, X-Forwarded-Proto sets the request's scheme (so the
    /// cookie is Secure behind a TLS-terminating proxy) and X-Forwarded-For its remote address (the
    /// nearest untrusted hop). The peer itself is kept as <see cref="TcpPeer"/>: single sign-on trusts
    /// the proxy that connected, not the client it speaks for.
    /// </summary>
    public static IApplicationBuilder UseTrustedProxyHeaders(this IApplicationBuilder app)
    {
        var proxies = app.ApplicationServices.GetRequiredService<TrustedProxies>();
        app.Use((context, next) =>
        {
            context.Features.Set(new TcpPeer(context.Connection.RemoteIpAddress));
            return next(context);
        });

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null,
        };

        // The defaults trust loopback; only the configured proxies may speak here.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var address in proxies.Addresses)
        {
            options.KnownProxies.Add(address);
        }

        foreach (var network in proxies.Networks)
        {
            options.KnownIPNetworks.Add(network);
        }

        return app.UseForwardedHeaders(options);
    }
}

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

    public IReadOnlyList<IPAddress> Addresses => _addresses;

    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>True when the TCP peer of this request (not the client a proxy speaks for) is a configured proxy.</summary>
    public bool IsTrusted(HttpContext context) => Peer(context) is { } peer && IsTrusted(peer);

    private static IPAddress? Peer(HttpContext context) => context.Features.Get<TcpPeer>() is { } kept ? kept.Address : context.Connection.RemoteIpAddress;

    public bool IsTrusted(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return _addresses.Any(a => a.Equals(address)) || _networks.Any(n => n.Contains(address));
    }

    /// <summary>
    /// The client's address: the peer, or the nearest untrusted hop of X-Forwarded-For when the peer is
    /// a trusted proxy (resolved by <see cref="TrustedProxyHeaders.UseTrustedProxyHeaders"/>).
    /// </summary>
    public static IPAddress? ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress;
}
