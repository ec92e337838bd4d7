namespace Registry.EventStore;

public sealed record EventStoreOptions
{
    /// <summary>The log's name, written into every checkpoint (<c>Registry:Origin</c>).</summary>
    public string Origin { get; init; } = "registry.local";

    /// <summary>At most this many appends are committed in one transaction (group commit).</summary>
    public int MaxBatchAppends { get; init; } = 256;

    /// <summary>A batch stops taking appends once it holds this many events.</summary>
    public int MaxBatchEvents { get; init; } = 4096;
}

/// <summary>The log's current end: its size, Merkle root and chain hash.</summary>
public sealed record LogHead(long TreeSize, byte[] RootHash, byte[] ChainHash, DateTimeOffset? LastRecordedAt);

/// <summary>RFC 9162 inclusion proof of the event at <c>LeafIndex + 1</c> in the tree of <c>TreeSize</c>.</summary>
public sealed record InclusionProof(long LeafIndex, long TreeSize, byte[] LeafHash, IReadOnlyList<byte[]> Path, byte[] RootHash);

/// <summary>RFC 9162 consistency proof: the tree of <c>From</c> leaves is a prefix of the tree of <c>To</c>.</summary>
public sealed record ConsistencyProof(long From, long To, IReadOnlyList<byte[]> Path, byte[] FromRoot, byte[] ToRoot);

/// <summary>
/// The database could not be reached or failed while appending. When <see cref="OutcomeUnknown"/>
/// is false nothing was appended and the append may simply be retried.
/// </summary>
public sealed class EventStoreUnavailableException(string message, bool outcomeUnknown, Exception inner) : Exception(message, inner)
{
    public bool OutcomeUnknown { get; } = outcomeUnknown;
}
