// Loads a model's state from its stream and runs commands against it: decide, append with the
// version the decision was based on, and on a concurrency conflict reload and decide again.
// States are cached per stream with their version; a read asks for the events after that version
// (one index lookup, usually none) before trusting the cache, a write just appends at the cached version and lets a conflict tell.
// A cached state that is behind (another replica appended) is caught up by folding only the events
// after its version, not the whole stream.
// A refusal decided on a cached state is confirmed by checking the stream's version first, since
// no append would reveal that the state was stale.
// Within a process, commands on one stream take turns (striped locks), so they do not race each
// other into conflicts; across replicas the conflict-and-retry loop does the same job.
using Microsoft.Extensions.Caching.Memory;
using Registry.Core;
using Registry.Core.Models;
using Registry.EventStore;

namespace Registry.Web.Features.Shared;

/// <summary>A model state and the stream version it reflects.</summary>
public sealed record LoadedModel(ModelState State, int StreamVersion);

/// <summary>What a command did: the state afterwards and the events it appended (none when it changed nothing).</summary>
public sealed record CommandOutcome(ModelState State, IReadOnlyList<StoredEvent> Appended);

public sealed class ModelStreams(EventStore.EventStore store, ApprovalPolicy policy, ModelStateCache cache)
{
    private const int Attempts = 4;
    private const int Stripes = 256;

    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<LoadedModel> LoadAsync(string model, CancellationToken cancellationToken)
    {
        var stream = ModelEventJson.StreamOf(model);
        return cache.TryGet(stream, out var cached)
            ? await CatchUpAsync(stream, cached, cancellationToken)
            : await ReloadAsync(stream, cancellationToken);
    }

    /// <summary>The model as it stood at a time, rebuilt from the log (never cached).</summary>
    public async Task<LoadedModel> LoadAsOfAsync(string model, DateTimeOffset asOf, CancellationToken cancellationToken) =>
        Fold(await store.ReadStreamAsync(ModelEventJson.StreamOf(model), untilPosition: null, asOf, cancellationToken));

    /// <summary>Decides and appends. Returns the outcome, or the rejection (nothing appended).</summary>
    public async Task<(CommandOutcome? Outcome, Rejection? Rejection)> HandleAsync(string model, ModelCommand command, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        var stream = ModelEventJson.StreamOf(model);
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(stream) % Stripes)];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            return await DecideAndAppendAsync(model, stream, command, metadata, cancellationToken);
        }
        finally
        {
            stripe.Release();
        }
    }

    private async Task<(CommandOutcome? Outcome, Rejection? Rejection)> DecideAndAppendAsync(string model, string stream, ModelCommand command, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        LoadedModel? behind = null;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var fromCache = behind is null && attempt == 0 && cache.TryGet(stream, out var cached) ? cached : null;
            var loaded = fromCache
                ?? (behind is not null ? await CatchUpAsync(stream, behind, cancellationToken) : await ReloadAsync(stream, cancellationToken));
            var decision = ModelDecider.Decide(command, loaded.State, policy);
            var events = decision is Decision.Accepted accepted ? accepted.Events : [];
            if (events.Count == 0 && fromCache is not null && await store.GetStreamVersionAsync(stream, cancellationToken) != fromCache.StreamVersion)
            {
                // A refusal (or "nothing to do") decided on a cached state that another replica has
                // since moved past could be wrong, and no append would tell: decide again, caught up.
                behind = fromCache;
                continue;
            }

            if (decision is Decision.Rejected rejected)
            {
                return (null, loaded.State.Exists || rejected.Rejection.Kind != RejectionKind.NotFound ? rejected.Rejection : Rejection.NotFound($"no model named '{model}'"));
            }

            if (events.Count == 0)
            {
                return (new CommandOutcome(loaded.State, []), null);
            }

            var result = await store.AppendAsync(
                stream,
                loaded.StreamVersion == 0 ? ExpectedVersion.NoStream : loaded.StreamVersion,
                [.. events.Select(e => new NewEvent(ModelEventJson.TypeName(e), ModelEventJson.Serialize(e)))],
                metadata,
                cancellationToken);
            if (result is AppendResult.Appended appended)
            {
                var state = loaded.State;
                for (var i = 0; i < events.Count; i++)
                {
                    state = ModelDecider.Evolve(state, events[i], appended.Events[i].RecordedAt);
                }

                cache.Set(stream, new LoadedModel(state, appended.Events[^1].Version));
                return (new CommandOutcome(state, appended.Events), null);
            }

            // Someone else appended since this state was folded: decide again on it caught up.
            behind = loaded;
        }

        return (null, Rejection.Conflict($"{model} is being changed by others right now; retry"));
    }

    private async Task<LoadedModel> ReloadAsync(string stream, CancellationToken cancellationToken)
    {
        var loaded = Fold(await store.ReadStreamAsync(stream, cancellationToken));
        if (loaded.StreamVersion > 0)
        {
            cache.Set(stream, loaded);
        }

        return loaded;
    }

    /// <summary>
    /// Folds the events after <paramref name="known"/>'s version into it, in one read: none means it is
    /// current (the log only grows). A gap means it is not a prefix of the stream as it now is: fold the
    /// whole stream instead.
    /// </summary>
    private async Task<LoadedModel> CatchUpAsync(string stream, LoadedModel known, CancellationToken cancellationToken)
    {
        var tail = await store.ReadStreamAfterAsync(stream, known.StreamVersion, cancellationToken);
        if (tail.Count == 0)
        {
            return known;
        }

        if (tail[0].Version != known.StreamVersion + 1)
        {
            return await ReloadAsync(stream, cancellationToken);
        }

        var loaded = Fold(known, tail);
        if (loaded.StreamVersion > 0)
        {
            cache.Set(stream, loaded);
        }

        return loaded;
    }

    private static LoadedModel Fold(IReadOnlyList<StoredEvent> events) => Fold(new LoadedModel(ModelState.Initial, 0), events);

    private static LoadedModel Fold(LoadedModel from, IReadOnlyList<StoredEvent> events)
    {
        var state = from.State;
        foreach (var stored in events)
        {
            if (ModelEventJson.Deserialize(stored.Type, stored.Data) is { } @event)
            {
                state = ModelDecider.Evolve(state, @event, stored.RecordedAt);
            }
        }

        return new LoadedModel(state, events.Count == 0 ? from.StreamVersion : events[^1].Version);
    }
}

/// <summary>Recently used model states, bounded so a registry of 10,000 models does not live in memory.</summary>
public sealed class ModelStateCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 2_000 });

    public bool TryGet(string stream, out LoadedModel loaded) => _cache.TryGetValue(stream, out loaded!);

    public void Set(string stream, LoadedModel loaded)
    {
        // A cache entry may be overwritten by an older state from a slower request: only move forward.
        if (_cache.TryGetValue(stream, out LoadedModel? existing) && existing!.StreamVersion > loaded.StreamVersion)
        {
            return;
        }

        _cache.Set(stream, loaded, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
    }

    public void Remove(string stream) => _cache.Remove(stream);

    public void Dispose() => _cache.Dispose();
}
