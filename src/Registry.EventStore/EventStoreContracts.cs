// The public shape of the log. Everything above the store (domain, API, portal, reports, CLI)
// talks to it through these types; the implementation (group commit, hashing, projections) is
// free to change behind them.
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Registry.EventStore;

/// <summary>An event about to be appended: its type name and its data (a JSON object).</summary>
public sealed record NewEvent(string Type, JsonObject Data);

/// <summary>Who did it and why; becomes the envelope's <c>actor</c> and <c>metadata</c>.</summary>
public sealed record AppendMetadata(
    string Actor,
    string CorrelationId,
    string? CausationId = null,
    string? Reason = null,
    string? Client = null,
    string? Ip = null);

/// <summary>One event as stored: the exact envelope bytes and everything derived from them.</summary>
public sealed record StoredEvent(
    long Position,
    string Stream,
    int Version,
    string Type,
    string Actor,
    DateTimeOffset RecordedAt,
    JsonElement Data,
    JsonElement Metadata,
    byte[] Envelope,
    byte[] LeafHash,
    byte[] ChainHash);

/// <summary>The outcome of an append: either the stored events or a conflict naming the actual version.</summary>
public abstract record AppendResult
{
    public sealed record Appended(IReadOnlyList<StoredEvent> Events) : AppendResult;
    public sealed record Conflict(string Stream, int ExpectedVersion, int ActualVersion) : AppendResult;
}

/// <summary>
/// The stream version an append expects: <see cref="NoStream"/> (0) for a new stream, <see cref="Any"/> to skip the check.
/// </summary>
public static class ExpectedVersion
{
    public const int NoStream = 0;
    public const int Any = -1;
}

/// <summary>A read model kept inline: applied in the append transaction, rebuildable from the log.</summary>
public interface IProjection
{
    /// <summary>A stable name, used in logs and by <c>registry projections rebuild</c>.</summary>
    string Name { get; }

    /// <summary>Applies events (position order) inside the append's transaction.</summary>
    Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken);

    /// <summary>Empties this projection's tables before a rebuild.</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>
/// A projection whose statements ride in the append's own batch, so the events, the head and the
/// read tables reach the database in one round trip while the head lock is held (every round trip
/// under that lock is time no other append can commit).
/// </summary>
public interface IBatchedProjection : IProjection
{
    /// <summary>Adds to <paramref name="batch"/> the statements that apply <paramref name="events"/> (position order); adds none when they concern it not.</summary>
    void AddTo(NpgsqlBatch batch, IReadOnlyList<StoredEvent> events);
}
