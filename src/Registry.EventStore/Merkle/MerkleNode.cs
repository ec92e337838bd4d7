namespace Registry.EventStore.Merkle;

/// <summary>
/// The root of a perfect subtree: level L, index i covers leaves [i·2^L, (i+1)·2^L). Level 0 is a
/// leaf. A node of level L ≥ 1 is stored with the event at position (i+1)·2^L, the leaf that completed it.
/// </summary>
public readonly record struct MerkleNode(int Level, long Index)
{
    public long FirstLeaf => Index << Level;

    public long EndLeaf => (Index + 1) << Level;

    /// <summary>The position (1-based) of the event row that stores this node.</summary>
    public long StoredAtPosition => EndLeaf;

    /// <summary>Where in that row's <c>subtree_hashes</c> it sits (bytes).</summary>
    public int StoredAtOffset => (Level - 1) * 32;
}

/// <summary>A range of leaves [Start, End), as the RFC 9162 algorithms name them (MTH(D[Start:End])).</summary>
public readonly record struct LeafRange(long Start, long End)
{
    public long Size => End - Start;
}
