// When a single sign-on becomes a SignedIn event. The proxy vouches for the user on every request,
// and oauth2-proxy does not pass its session to the upstream, so the registry cannot see a session
// begin. It calls a request a sign-in when the user has not been seen for the period (30 minutes by
// default) — the start of a session as far as the registry can tell — and never records more than one
// per period per user: that second rule is checked against the log, so replicas and restarts agree.
// Recording on every request would drown the log; recording never would leave "who signed in as bob"
// unanswerable for everyone who uses single sign-on.
using System.Collections.Concurrent;
using Registry.Core.Identity;
using Registry.EventStore;

namespace Registry.Web.Identity;

public sealed class SingleSignOnSignIns(Accounts accounts, TimeProvider time, ILogger<SingleSignOnSignIns> logger)
{
    // Per replica: when each user was last seen through the proxy. Bounded by the number of accounts.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    // The slow path runs once per user and session; one at a time keeps two parallel first requests
    // from both appending.
    private readonly SemaphoreSlim _recording = new(1, 1);

    /// <summary>Called for every request the proxy authenticates; appends <c>SignedIn</c> when this request starts a session.</summary>
    public async Task SeenAsync(string username, TimeSpan period, Func<AppendMetadata> metadata, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_lastSeen.TryGetValue(username, out var seen) && now - seen < period)
        {
            _lastSeen[username] = now;
            return;
        }

        await _recording.WaitAsync(cancellationToken);
        try
        {
            if (await accounts.LastSignInAsync(username, SignInMethods.SingleSignOn, cancellationToken) is not { } last || now - last >= period)
            {
                if (await accounts.RecordSingleSignOnAsync(username, metadata(), cancellationToken) is { } rejection)
                {
                    // An account not in the registry (Registry:Sso:CreateUsers = false) has no stream to record in.
                    logger.LogInformation("Single sign-on of {Username} not recorded in the log: {Reason}", username, rejection.Detail);
                }
            }

            // Only once the sign-in is in the log (or known to be there): a failed append is tried again on the next request.
            _lastSeen[username] = now;
        }
        finally
        {
            _recording.Release();
        }
    }
}
