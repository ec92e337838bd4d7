using System.Security.Cryptography;
using Registry.Web.Features.Evidence;

namespace Registry.Web.Tests.Evidence;

public sealed class MerkleLevelsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(64)]
    [InlineData(100)]
    public void Root_and_every_inclusion_path_match_the_rfc_9162_definition(int size)
    {
        var leaves = Enumerable.Range(0, size).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToArray();

        var tree = MerkleLevels.Build([.. leaves.SelectMany(l => l)]);

        Assert.Equal(Convert.ToHexStringLower(Rfc.Root(leaves)), Convert.ToHexStringLower(tree.Root));
        for (var m = 0; m < size; m++)
        {
            var expected = Rfc.Path(m, leaves).Select(Convert.ToHexStringLower);
            var actual = tree.InclusionPath(m).Select(h => Convert.ToHexStringLower(h.Span));
            Assert.Equal(expected, actual);
            Assert.True(Rfc.VerifyInclusion(m, size, leaves[m], [.. tree.InclusionPath(m).Select(h => h.ToArray())], tree.Root));
        }
    }

    [Fact]
    public void The_root_of_an_empty_tree_is_the_hash_of_nothing()
    {
        Assert.Equal(SHA256.HashData([]), MerkleLevels.Build([]).Root);
    }

    /// <summary>RFC 9162 section 2.1, written as the RFC writes it (recursion at the largest power of two below n).</summary>
    private static class Rfc
    {
        public static byte[] Root(ReadOnlySpan<byte[]> d)
        {
            if (d.Length == 1)
            {
                return d[0];
            }

            var k = Split(d.Length);
            return Node(Root(d[..k]), Root(d[k..]));
        }

        public static List<byte[]> Path(int m, ReadOnlySpan<byte[]> d)
        {
            if (d.Length == 1)
            {
                return [];
            }

            var k = Split(d.Length);
            if (m < k)
            {
                var path = Path(m, d[..k]);
                path.Add(Root(d[k..]));
                return path;
            }
            else
            {
                var path = Path(m - k, d[k..]);
                path.Add(Root(d[..k]));
                return path;
            }
        }

        public static bool VerifyInclusion(long index, long size, byte[] leaf, IReadOnlyList<byte[]> path, byte[] root)
        {
            var fn = index;
            var sn = size - 1;
            var r = leaf;
            foreach (var p in path)
            {
                if (sn == 0)
                {
                    return false;
                }

                if ((fn & 1) == 1 || fn == sn)
                {
                    r = Node(p, r);
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
                else
                {
                    r = Node(r, p);
                }

                fn >>= 1;
                sn >>= 1;
            }

            return sn == 0 && r.AsSpan().SequenceEqual(root);
        }

        private static int Split(int n)
        {
            var k = 1;
            while (k * 2 < n)
            {
                k *= 2;
            }

            return k;
        }

        private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);
    }
}
