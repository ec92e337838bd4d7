// The whole RFC 9162 Merkle tree of a log prefix, in memory, level by level: built once from the leaf
// hashes (n − 1 SHA-256 computations), it answers every inclusion proof of a bundle in O(log n) each,
// where asking the store per event would cost a query per event. Each level is one contiguous array.
//
// Building bottom-up and promoting a level's unpaired last node unchanged gives exactly the RFC's
// tree (split at the largest power of two below n), so the paths below are RFC 9162 inclusion paths.
using System.Security.Cryptography;

namespace Registry.Web.Features.Evidence;

public sealed class MerkleLevels
{
    public const int HashSize = 32;

    private readonly List<byte[]> _levels;

    private MerkleLevels(List<byte[]> levels, long size)
    {
        _levels = levels;
        Size = size;
    }

    public long Size { get; }

    /// <summary>The root hash (for an empty tree, SHA-256 of nothing, as RFC 9162 defines).</summary>
    public byte[] Root => Size == 0 ? SHA256.HashData([]) : _levels[^1][..HashSize];

    /// <summary>Builds the tree over <paramref name="leafHashes"/>: the concatenated 32-byte leaf hashes, position order.</summary>
    public static MerkleLevels Build(byte[] leafHashes)
    {
        if (leafHashes.Length % HashSize != 0)
        {
            throw new ArgumentException("leaf hashes must be 32 bytes each", nameof(leafHashes));
        }

        var levels = new List<byte[]> { leafHashes };
        var node = new byte[1 + (2 * HashSize)];
        node[0] = 0x01;
        var current = leafHashes;
        while (current.Length > HashSize)
        {
            var count = current.Length / HashSize;
            var next = new byte[(count + 1) / 2 * HashSize];
            for (var i = 0; i + 1 < count; i += 2)
            {
                current.AsSpan(i * HashSize, 2 * HashSize).CopyTo(node.AsSpan(1));
                SHA256.HashData(node, next.AsSpan(i / 2 * HashSize, HashSize));
            }

            if (count % 2 == 1)
            {
                current.AsSpan((count - 1) * HashSize, HashSize).CopyTo(next.AsSpan((count - 1) / 2 * HashSize));
            }

            levels.Add(next);
            current = next;
        }

        return new MerkleLevels(levels, leafHashes.Length / HashSize);
    }

    public ReadOnlySpan<byte> Leaf(long index) => _levels[0].AsSpan(checked((int)index * HashSize), HashSize);

    /// <summary>The inclusion path of leaf <paramref name="index"/> (RFC 9162 2.1.3.1), bottom-up.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> InclusionPath(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return Walk(index);

        IEnumerable<ReadOnlyMemory<byte>> Walk(long m)
        {
            foreach (var level in _levels)
            {
                var count = level.Length / HashSize;
                if (count == 1)
                {
                    yield break;
                }

                var sibling = m ^ 1;
                if (sibling < count)
                {
                    yield return level.AsMemory((int)sibling * HashSize, HashSize);
                }

                m >>= 1;
            }
        }
    }
}
