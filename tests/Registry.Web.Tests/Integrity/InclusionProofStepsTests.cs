using System.Security.Cryptography;
using Registry.Web.Features.Integrity;

namespace Registry.Web.Tests.Integrity;

/// <summary>The step-by-step replay against the RFC 9162 definitions of MTH and PATH, computed here the slow, obvious way.</summary>
public sealed class InclusionProofStepsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    public void Replaying_the_path_of_every_leaf_ends_at_the_root_of_the_tree(int size)
    {
        var leaves = Leaves(size);
        var root = Mth(leaves);

        for (var index = 0; index < size; index++)
        {
            var replay = InclusionProofSteps.Replay(index, size, leaves[index], Path(index, leaves));

            Assert.True(replay.Complete, $"leaf {index} of {size}: path too short");
            Assert.Equal(Convert.ToHexString(root), Convert.ToHexString(replay.ComputedRoot));
            Assert.Equal(replay.Steps.Count, Path(index, leaves).Count);
        }
    }

    [Fact]
    public void A_tampered_sibling_leads_somewhere_else()
    {
        var leaves = Leaves(6);
        var path = Path(4, leaves).ToList();
        path[0] = SHA256.HashData("forged"u8);

        var replay = InclusionProofSteps.Replay(4, 6, leaves[4], path);

        Assert.NotEqual(Convert.ToHexString(Mth(leaves)), Convert.ToHexString(replay.ComputedRoot));
    }

    [Fact]
    public void A_path_too_long_for_the_tree_is_not_complete()
    {
        var leaves = Leaves(4);
        var path = Path(1, leaves).Append(SHA256.HashData("extra"u8)).ToList();

        Assert.False(InclusionProofSteps.Replay(1, 4, leaves[1], path).Complete);
    }

    [Fact]
    public void The_sides_say_where_the_sibling_sits()
    {
        // In a tree of 4, leaf 2's path is [leaf 3 (right), MTH(leaf 0, leaf 1) (left)].
        var leaves = Leaves(4);

        var replay = InclusionProofSteps.Replay(2, 4, leaves[2], Path(2, leaves));

        Assert.Equal([false, true], replay.Steps.Select(s => s.SiblingOnLeft));
    }

    private static List<byte[]> Leaves(int n) =>
        [.. Enumerable.Range(0, n).Select(i => SHA256.HashData([0x00, .. System.Text.Encoding.UTF8.GetBytes($"event {i}")]))];

    private static byte[] Mth(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 1)
        {
            return leaves[0];
        }

        var k = SplitPoint(leaves.Count);
        return SHA256.HashData([0x01, .. Mth([.. leaves.Take(k)]), .. Mth([.. leaves.Skip(k)])]);
    }

    private static List<byte[]> Path(int m, IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 1)
        {
            return [];
        }

        var k = SplitPoint(leaves.Count);
        return m < k
            ? [.. Path(m, [.. leaves.Take(k)]), Mth([.. leaves.Skip(k)])]
            : [.. Path(m - k, [.. leaves.Skip(k)]), Mth([.. leaves.Take(k)])];
    }

    private static int SplitPoint(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
