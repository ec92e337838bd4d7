// Runs account commands against the log: read the user's stream, decide, append with the version
// read. A concurrent append to the same stream (two sign-ins at once) is retried on fresh state.
using Registry.Core.Identity;
using Registry.EventStore;

namespace Registry.Web.Identity;

public sealed class UserStreams(Registry.EventStore.EventStore store, AccountCache cache)
{
    private const int Attempts = 5;

    public async Task<UserState> LoadAsync(string username, CancellationToken cancellationToken)
    {
        var (state, _) = await ReadAsync(username, cancellationToken);
        return state;
    }

    /// <summary>Decides <paramref name="command"/> on the current state and appends what it decides; returns the decision and the state after it.</summary>
    public async Task<(UserDecision Decision, UserState State)> ExecuteAsync(string username, Func<UserState, IUserCommand> command, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (state, version) = await ReadAsync(username, cancellationToken);
            var decision = UserDecider.Decide(command(state), state);
            if (decision.Rejection is not null || decision.Events.Count == 0)
            {
                return (decision, state);
            }

            var events = decision.Events.Select(e => new NewEvent(UserEventJson.TypeName(e), UserEventJson.Serialize(e))).ToArray();
            var result = await store.AppendAsync(UserDecider.StreamFor(username), version, events, metadata, cancellationToken);
            switch (result)
            {
                case AppendResult.Appended:
                    // Before answering: the next request, on this replica, must not see the account as it was.
                    cache.Forget();
                    return (decision, decision.Events.Aggregate(state, UserDecider.Evolve));
                case AppendResult.Conflict when attempt < Attempts:
                    continue;
                case AppendResult.Conflict conflict:
                    return (UserDecision.Reject(UserRejectionKind.Conflict, $"The account '{username}' kept changing while this was being recorded (version {conflict.ActualVersion}); try again."), state);
                default:
                    throw new InvalidOperationException($"Unexpected append result {result.GetType().Name}.");
            }
        }
    }

    private async Task<(UserState State, int Version)> ReadAsync(string username, CancellationToken cancellationToken)
    {
        var stored = await store.ReadStreamAsync(UserDecider.StreamFor(username), cancellationToken);
        var state = stored
            .Select(e => UserEventJson.Deserialize(e.Type, e.Data))
            .OfType<IUserEvent>()
            .Aggregate(UserState.Initial, UserDecider.Evolve);
        return (state, stored.Count == 0 ? ExpectedVersion.NoStream : stored[^1].Version);
    }
}
