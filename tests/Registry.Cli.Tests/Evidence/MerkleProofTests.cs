using System.Security.Cryptography;
using Registry.Cli.Evidence;

namespace Registry.Cli.Tests.Evidence;

public sealed class MerkleProofTests
{
    private static List<byte[]> Leaves(int n) => [.. Enumerable.Range(0, n).Select(i => MerkleProof.LeafHash([(byte)i, (byte)(i >> 8)]))];

    [Fact]
    public void Every_leaf_of_every_tree_up_to_40_leaves_verifies_against_the_recursive_definition()
    {
        for (var n = 1; n <= 40; n++)
        {
            var leaves = Leaves(n);
            var root = EvidenceBundleBuilder.Root(leaves);
            for (var m = 0; m < n; m++)
            {
                Assert.True(MerkleProof.VerifyInclusion(m, n, leaves[m], EvidenceBundleBuilder.Path(m, leaves), root), $"leaf {m} of {n}");
            }
        }
    }

    [Fact]
    public void A_proof_fails_for_another_index_another_leaf_another_size_or_a_changed_element()
    {
        var leaves = Leaves(13);
        var root = EvidenceBundleBuilder.Root(leaves);
        var path = EvidenceBundleBuilder.Path(5, leaves);

        Assert.False(MerkleProof.VerifyInclusion(4, 13, leaves[5], path, root));
        Assert.False(MerkleProof.VerifyInclusion(5, 13, leaves[4], path, root));
        Assert.False(MerkleProof.VerifyInclusion(5, 17, leaves[5], path, root));
        Assert.False(MerkleProof.VerifyInclusion(5, 13, leaves[5], path.Take(path.Count - 1).ToList(), root));
        Assert.False(MerkleProof.VerifyInclusion(5, 13, leaves[5], [.. path, path[0]], root));
        var changed = path.Select(p => (byte[])p.Clone()).ToList();
        changed[1][0] ^= 1;
        Assert.False(MerkleProof.VerifyInclusion(5, 13, leaves[5], changed, root));
        Assert.False(MerkleProof.VerifyInclusion(13, 13, leaves[5], path, root));
    }

    [Fact]
    public void Leaf_and_node_hashes_are_domain_separated_as_RFC_9162_says()
    {
        Assert.Equal(SHA256.HashData([0x00, 0x61]), MerkleProof.LeafHash("a"u8));
        var left = new byte[32];
        var right = Enumerable.Repeat((byte)0xff, 32).ToArray();
        Assert.Equal(SHA256.HashData([0x01, .. left, .. right]), MerkleProof.NodeHash(left, right));
    }
}
