// RFC 9162 section 2.1 as ranges: an inclusion or consistency proof is a list of subtree hashes
// MTH(D[a:b]); we compute which ranges first, then which stored perfect-subtree nodes make up each
// range, so a proof for any tree size costs one query of O(log n) rows whatever the log's size.
using Registry.EventStore.Hashing;

namespace Registry.EventStore.Merkle;

public static class MerkleMath
{
    /// <summary>The largest power of two strictly smaller than n (n ≥ 2).</summary>
    public static long SplitPoint(long n)
    {
        if (n < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "a tree of fewer than two leaves has no split");
        }

        return 1L << (63 - (int)long.LeadingZeroCount(n - 1));
    }

    /// <summary>The ranges whose hashes form the inclusion proof of leaf m in a tree of n leaves, bottom-up.</summary>
    public static IReadOnlyList<LeafRange> InclusionRanges(long leafIndex, long treeSize)
    {
        if (treeSize < 1 || leafIndex < 0 || leafIndex >= treeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(leafIndex), $"leaf {leafIndex} is not in a tree of {treeSize}");
        }

        var ranges = new List<LeafRange>();
        Path(leafIndex, 0, treeSize, ranges);
        return ranges;

        static void Path(long m, long start, long n, List<LeafRange> output)
        {
            if (n <= 1)
            {
                return;
            }

            var k = SplitPoint(n);
            if (m < k)
            {
                Path(m, start, k, output);
                output.Add(new LeafRange(start + k, start + n));
            }
            else
            {
                Path(m - k, start + k, n - k, output);
                output.Add(new LeafRange(start, start + k));
            }
        }
    }

    /// <summary>The ranges whose hashes form the consistency proof from size m to size n (0 &lt; m ≤ n).</summary>
    public static IReadOnlyList<LeafRange> ConsistencyRanges(long oldSize, long newSize)
    {
        if (oldSize < 0 || oldSize > newSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), $"no consistency proof from {oldSize} to {newSize}");
        }

        var ranges = new List<LeafRange>();
        if (oldSize == 0 || oldSize == newSize)
        {
            return ranges;
        }

        SubProof(oldSize, 0, newSize, true, ranges);
        return ranges;

        static void SubProof(long m, long start, long n, bool complete, List<LeafRange> output)
        {
            if (m == n)
            {
                if (!complete)
                {
                    output.Add(new LeafRange(start, start + n));
                }

                return;
            }

            var k = SplitPoint(n);
            if (m <= k)
            {
                SubProof(m, start, k, complete, output);
                output.Add(new LeafRange(start + k, start + n));
            }
            else
            {
                SubProof(m - k, start + k, n - k, false, output);
                output.Add(new LeafRange(start, start + k));
            }
        }
    }

    /// <summary>
    /// The perfect subtrees that make up a range, largest first: MTH of the range is their right fold
    /// H(P0, H(P1, … Pk)). Ranges from the RFC's recursion are always aligned, so each is a stored node.
    /// </summary>
    public static IReadOnlyList<MerkleNode> Decompose(LeafRange range)
    {
        if (range.Size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(range), range, "an empty range has no subtrees");
        }

        var nodes = new List<MerkleNode>();
        var start = range.Start;
        var remaining = range.Size;
        while (remaining > 0)
        {
            var level = 63 - (int)long.LeadingZeroCount(remaining);
            var size = 1L << level;
            if (start % size != 0)
            {
                throw new ArgumentException($"range [{range.Start}, {range.End}) is not aligned to perfect subtrees", nameof(range));
            }

            nodes.Add(new MerkleNode(level, start >> level));
            start += size;
            remaining -= size;
        }

        return nodes;
    }

    /// <summary>The hash of a range from the hashes of its decomposition (largest first).</summary>
    public static byte[] FoldRight(IReadOnlyList<byte[]> subtreeHashes)
    {
        var hash = subtreeHashes[^1];
        for (var i = subtreeHashes.Count - 2; i >= 0; i--)
        {
            hash = LogHash.Node(subtreeHashes[i], hash);
        }

        return hash;
    }

    /// <summary>RFC 9162 2.1.3.2: does the path prove the leaf is at leafIndex in the tree with this root?</summary>
    public static bool VerifyInclusion(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> rootHash)
    {
        if (leafIndex < 0 || leafIndex >= treeSize)
        {
            return false;
        }

        var fn = leafIndex;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (p.Length != LogHash.Size || sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = LogHash.Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = LogHash.Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.AsSpan().SequenceEqual(rootHash);
    }

    /// <summary>RFC 9162 2.1.4.2: does the path prove the tree of oldSize is a prefix of the tree of newSize?</summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> path)
    {
        if (oldSize < 0 || oldSize > newSize)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return path.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        if (oldSize == 0)
        {
            return path.Count == 0;
        }

        if (path.Count == 0 || path.Any(p => p.Length != LogHash.Size))
        {
            return false;
        }

        var proof = new List<byte[]>(path);
        if (long.IsPow2(oldSize))
        {
            proof.Insert(0, oldRoot.ToArray());
        }

        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = proof[0];
        var sr = proof[0];
        foreach (var c in proof.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = LogHash.Node(c, fr);
                sr = LogHash.Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = LogHash.Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(oldRoot) && sr.AsSpan().SequenceEqual(newRoot);
    }
}
