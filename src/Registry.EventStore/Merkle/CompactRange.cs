// The right edge of the tree: the roots of its perfect subtrees, largest first (one per set bit of
// the size). Appending a leaf merges equal-sized subtrees like binary carry; each merge is a node
// the append stores. The root is the right fold of the range. The head row keeps it, so extending
// the tree never reads old leaves. The subtrees live in one flat buffer so that verify, which
// appends every leaf of the log, allocates nothing per leaf.
using Registry.EventStore.Hashing;

namespace Registry.EventStore.Merkle;

public sealed class CompactRange
{
    // A size below 2^63 has at most 63 set bits, so at most 63 subtrees (64 while an append carries).
    private const int MaxSubtrees = 64;

    private readonly byte[] _subtrees;
    private int _count;

    private CompactRange(long size, byte[] subtrees, int count)
    {
        Size = size;
        _subtrees = subtrees;
        _count = count;
    }

    public long Size { get; private set; }

    public static CompactRange Empty() => new(0, new byte[MaxSubtrees * LogHash.Size], 0);

    /// <summary>From the head row's <c>frontier</c>: the subtree roots, largest first, 32 bytes each.</summary>
    public static CompactRange FromBytes(long size, ReadOnlySpan<byte> frontier)
    {
        var expected = (int)long.PopCount(size);
        if (frontier.Length != expected * LogHash.Size)
        {
            throw new InvalidDataException($"a tree of {size} leaves has {expected} frontier hashes, not {frontier.Length / (double)LogHash.Size}");
        }

        var subtrees = new byte[MaxSubtrees * LogHash.Size];
        frontier.CopyTo(subtrees);
        return new CompactRange(size, subtrees, expected);
    }

    public byte[] ToBytes() => _subtrees.AsSpan(0, _count * LogHash.Size).ToArray();

    public CompactRange Clone() => new(Size, (byte[])_subtrees.Clone(), _count);

    /// <summary>How many bytes of nodes the next append completes: 32 per trailing one bit of the size.</summary>
    public int NextCompletedLength => (int)long.TrailingZeroCount(Size + 1) * LogHash.Size;

    /// <summary>Adds a leaf; returns the nodes it completed (levels 1, 2, …), concatenated: the event's <c>subtree_hashes</c>.</summary>
    public byte[] Append(ReadOnlySpan<byte> leafHash)
    {
        var completed = new byte[NextCompletedLength];
        Append(leafHash, completed);
        return completed;
    }

    /// <summary>Adds a leaf and writes the nodes it completed into <paramref name="completed"/> (<see cref="NextCompletedLength"/> bytes).</summary>
    public void Append(ReadOnlySpan<byte> leafHash, Span<byte> completed)
    {
        var merges = (int)long.TrailingZeroCount(Size + 1);
        // The new leaf goes on top, then each merge hashes the top two into the lower slot.
        leafHash.CopyTo(Subtree(_count));
        for (var level = 1; level <= merges; level++)
        {
            var merged = Subtree(_count - 1);
            LogHash.Node(merged, Subtree(_count), merged);
            merged.CopyTo(completed[((level - 1) * LogHash.Size)..]);
            _count--;
        }

        _count++;
        Size++;
    }

    public byte[] Root()
    {
        if (Size == 0)
        {
            return LogHash.EmptyRoot;
        }

        var hash = Subtree(_count - 1).ToArray();
        for (var i = _count - 2; i >= 0; i--)
        {
            LogHash.Node(Subtree(i), hash, hash);
        }

        return hash;
    }

    private Span<byte> Subtree(int index) => _subtrees.AsSpan(index * LogHash.Size, LogHash.Size);
}
