using System.Security.Cryptography;
using Registry.EventStore.Hashing;
using Registry.EventStore.Merkle;

namespace Registry.EventStore.Tests;

public sealed class MerkleTests
{
    // ---- The oracle: RFC 9162 section 2.1 written as literally as possible, recursion and all. ----

    private static byte[] Mth(IReadOnlyList<byte[]> leaves, int start, int end)
    {
        var n = end - start;
        if (n == 0)
        {
            return SHA256.HashData([]);
        }

        if (n == 1)
        {
            return leaves[start];
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return LogHash.Node(Mth(leaves, start, start + k), Mth(leaves, start + k, end));
    }

    private static List<byte[]> OraclePath(IReadOnlyList<byte[]> leaves, int m, int start, int end)
    {
        var n = end - start;
        if (n == 1)
        {
            return [];
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return m < k
            ? [.. OraclePath(leaves, m, start, start + k), Mth(leaves, start + k, end)]
            : [.. OraclePath(leaves, m - k, start + k, end), Mth(leaves, start, start + k)];
    }

    private static List<byte[]> OracleSubProof(IReadOnlyList<byte[]> leaves, int m, int start, int end, bool b)
    {
        var n = end - start;
        if (m == n)
        {
            return b ? [] : [Mth(leaves, start, end)];
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return m <= k
            ? [.. OracleSubProof(leaves, m, start, start + k, b), Mth(leaves, start + k, end)]
            : [.. OracleSubProof(leaves, m - k, start + k, end, false), Mth(leaves, start, start + k)];
    }

    private static List<byte[]> Leaves(int n) =>
        [.. Enumerable.Range(0, n).Select(i => LogHash.Leaf(BitConverter.GetBytes(i * 7919)))];

    /// <summary>The nodes as the event store keeps them: each leaf with the subtree roots it completed.</summary>
    private static Dictionary<MerkleNode, byte[]> StoredNodes(IReadOnlyList<byte[]> leaves, out CompactRange range)
    {
        range = CompactRange.Empty();
        var nodes = new Dictionary<MerkleNode, byte[]>();
        for (var i = 0; i < leaves.Count; i++)
        {
            nodes[new MerkleNode(0, i)] = leaves[i];
            var completed = range.Append(leaves[i]);
            for (var level = 1; level * 32 <= completed.Length; level++)
            {
                var node = new MerkleNode(level, ((i + 1L) >> level) - 1);
                Assert.Equal(i + 1, node.StoredAtPosition);
                nodes[node] = completed[((level - 1) * 32)..(level * 32)];
            }
        }

        return nodes;
    }

    private static List<byte[]> Hashes(IEnumerable<LeafRange> ranges, Dictionary<MerkleNode, byte[]> nodes) =>
        [.. ranges.Select(r => MerkleMath.FoldRight([.. MerkleMath.Decompose(r).Select(n => nodes[n])]))];

    [Fact]
    public void Every_root_of_sizes_1_to_64_equals_the_RFC_definition()
    {
        var leaves = Leaves(64);
        var range = CompactRange.Empty();
        for (var n = 1; n <= 64; n++)
        {
            range.Append(leaves[n - 1]);
            Assert.Equal(Mth(leaves, 0, n), range.Root());
            Assert.Equal(Mth(leaves, 0, n), Hashes([new LeafRange(0, n)], StoredNodes(leaves.Take(n).ToList(), out _))[0]);
        }
    }

    [Fact]
    public void The_empty_tree_has_the_hash_of_nothing_as_its_root() =>
        Assert.Equal(LogHash.ToHex(SHA256.HashData([])), LogHash.ToHex(CompactRange.Empty().Root()));

    [Fact]
    public void Inclusion_proofs_for_every_leaf_of_sizes_1_to_64_equal_the_oracle_and_verify()
    {
        var leaves = Leaves(64);
        for (var n = 1; n <= 64; n++)
        {
            var prefix = leaves.Take(n).ToList();
            var nodes = StoredNodes(prefix, out var range);
            var root = range.Root();
            for (var m = 0; m < n; m++)
            {
                var proof = Hashes(MerkleMath.InclusionRanges(m, n), nodes);

                Assert.Equal(OraclePath(prefix, m, 0, n), proof);
                Assert.True(MerkleMath.VerifyInclusion(m, n, leaves[m], proof, root), $"leaf {m} of {n}");
                Assert.False(MerkleMath.VerifyInclusion(m, n, leaves[(m + 1) % 64], proof, root) && n > 1, $"wrong leaf {m} of {n}");
                if (proof.Count > 0)
                {
                    var forged = proof.ToList();
                    forged[^1] = LogHash.Leaf([1, 2, 3]);
                    Assert.False(MerkleMath.VerifyInclusion(m, n, leaves[m], forged, root));
                    Assert.False(MerkleMath.VerifyInclusion(m, n, leaves[m], proof.Take(proof.Count - 1).ToList(), root));
                }
            }
        }
    }

    [Fact]
    public void Consistency_proofs_between_all_sizes_up_to_64_equal_the_oracle_and_verify()
    {
        var leaves = Leaves(64);
        for (var n = 1; n <= 64; n++)
        {
            var prefix = leaves.Take(n).ToList();
            var nodes = StoredNodes(prefix, out _);
            var newRoot = Mth(prefix, 0, n);
            for (var m = 1; m <= n; m++)
            {
                var proof = Hashes(MerkleMath.ConsistencyRanges(m, n), nodes);
                var oldRoot = Mth(prefix, 0, m);

                Assert.Equal(m == n ? [] : OracleSubProof(prefix, m, 0, n, true), proof);
                Assert.True(MerkleMath.VerifyConsistency(m, n, oldRoot, newRoot, proof), $"{m} → {n}");
                if (m < n)
                {
                    Assert.False(MerkleMath.VerifyConsistency(m, n, Mth(leaves, 1, m + 1), newRoot, proof), $"other old root {m} → {n}");
                    Assert.False(MerkleMath.VerifyConsistency(m, n, oldRoot, LogHash.Leaf([9]), proof), $"other new root {m} → {n}");
                }
            }
        }
    }

    // RFC 9162 section 2.1.5: seven leaves d0..d6; a..f are leaves d0..d5, j is d6, g = (a,b), h = (c,d),
    // i = (e,f), k = (g,h), l = (i,j).
    private static readonly Dictionary<char, LeafRange> RfcNodes = new()
    {
        ['a'] = new(0, 1), ['b'] = new(1, 2), ['c'] = new(2, 3), ['d'] = new(3, 4), ['e'] = new(4, 5), ['f'] = new(5, 6),
        ['j'] = new(6, 7), ['g'] = new(0, 2), ['h'] = new(2, 4), ['i'] = new(4, 6), ['k'] = new(0, 4), ['l'] = new(4, 7),
    };

    [Theory]
    [InlineData(0, "bhl")]
    [InlineData(3, "cgl")]
    [InlineData(4, "fjk")]
    [InlineData(6, "ik")]
    public void Inclusion_paths_of_the_RFC_7_leaf_example(int leaf, string path) =>
        Assert.Equal(path.Select(c => RfcNodes[c]), MerkleMath.InclusionRanges(leaf, 7));

    [Theory]
    [InlineData(3, "cdgl")]
    [InlineData(4, "l")]
    [InlineData(6, "ijk")]
    public void Consistency_proofs_of_the_RFC_7_leaf_example(int oldSize, string path) =>
        Assert.Equal(path.Select(c => RfcNodes[c]), MerkleMath.ConsistencyRanges(oldSize, 7));

    [Fact]
    public void Appending_a_leaf_stores_exactly_the_subtrees_it_completes()
    {
        var range = CompactRange.Empty();
        var completedLevels = Enumerable.Range(0, 8).Select(i => range.Append(Leaves(8)[i]).Length / 32).ToArray();

        // Position 2 completes a pair, 4 a quad, 8 an octet.
        Assert.Equal([0, 1, 0, 2, 0, 1, 0, 3], completedLevels);
    }

    [Fact]
    public void The_frontier_round_trips_through_its_stored_bytes()
    {
        var range = CompactRange.Empty();
        foreach (var leaf in Leaves(13))
        {
            range.Append(leaf);
        }

        var restored = CompactRange.FromBytes(13, range.ToBytes());
        restored.Append(Leaves(14)[13]);
        range.Append(Leaves(14)[13]);

        Assert.Equal(range.Root(), restored.Root());
        Assert.Throws<InvalidDataException>(() => CompactRange.FromBytes(14, range.ToBytes().AsSpan(32).ToArray()));
    }
}
