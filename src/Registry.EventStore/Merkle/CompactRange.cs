// The right edge of the tree: the roots of its perfect subtrees, largest first (one per set bit of
// the size). Appending a leaf merges equal-sized subtrees like binary carry; each merge is a node
// the append stores. The root is the right fold of the range. The head row keeps it, so extending
// the tree never reads old leaves.
using Registry.EventStore.Hashing;

namespace Registry.EventStore.Merkle;

public sealed class CompactRange
{
    private readonly List<byte[]> _subtrees;

    private CompactRange(long size, List<byte[]> subtrees)
    {
        Size = size;
        _subtrees = subtrees;
    }

    public long Size { get; private set; }

    public static CompactRange Empty() => new(0, []);

    /// <summary>From the head row's <c>frontier</c>: the subtree roots, largest first, 32 bytes each.</summary>
    public static CompactRange FromBytes(long size, ReadOnlySpan<byte> frontier)
    {
        var expected = long.PopCount(size);
        if (frontier.Length != expected * LogHash.Size)
        {
            throw new InvalidDataException($"a tree of {size} leaves has {expected} frontier hashes, not {frontier.Length / (double)LogHash.Size}");
        }

        var subtrees = new List<byte[]>();
        for (var i = 0; i < frontier.Length; i += LogHash.Size)
        {
            subtrees.Add(frontier.Slice(i, LogHash.Size).ToArray());
        }

        return new CompactRange(size, subtrees);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[_subtrees.Count * LogHash.Size];
        for (var i = 0; i < _subtrees.Count; i++)
        {
            _subtrees[i].CopyTo(bytes, i * LogHash.Size);
        }

        return bytes;
    }

    public CompactRange Clone() => new(Size, [.. _subtrees]);

    /// <summary>Adds a leaf; returns the nodes it completed (levels 1, 2, …), concatenated: the event's <c>subtree_hashes</c>.</summary>
    public byte[] Append(byte[] leafHash)
    {
        var completed = (int)long.TrailingZeroCount(Size + 1);
        var stored = new byte[completed * LogHash.Size];
        var node = leafHash;
        for (var level = 1; level <= completed; level++)
        {
            node = LogHash.Node(_subtrees[^1], node);
            _subtrees.RemoveAt(_subtrees.Count - 1);
            node.CopyTo(stored, (level - 1) * LogHash.Size);
        }

        _subtrees.Add(node);
        Size++;
        return stored;
    }

    public byte[] Root() => Size == 0 ? LogHash.EmptyRoot : MerkleMath.FoldRight(_subtrees);
}
