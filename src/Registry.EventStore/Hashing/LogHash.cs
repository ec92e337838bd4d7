// The three hashes of the log (CONTRACT.md section 3), in one place so every reader and writer
// computes them identically: RFC 9162 leaf and inner-node hashes (domain-separated by a prefix
// byte, so a leaf can never pass for a node) and the linear chain over leaf hashes.
using System.Security.Cryptography;

namespace Registry.EventStore.Hashing;

public static class LogHash
{
    public const int Size = 32;

    /// <summary>The chain hash before position 1: 32 zero bytes.</summary>
    public static byte[] GenesisChain => new byte[Size];

    /// <summary>SHA-256(0x00 ‖ envelope).</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> envelope)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x00]);
        hash.AppendData(envelope);
        return hash.GetHashAndReset();
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right).</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + (2 * Size)];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        return SHA256.HashData(input);
    }

    /// <summary>SHA-256(previous chain hash ‖ leaf hash).</summary>
    public static byte[] Chain(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> leaf)
    {
        Span<byte> input = stackalloc byte[2 * Size];
        previous.CopyTo(input);
        leaf.CopyTo(input[Size..]);
        return SHA256.HashData(input);
    }

    /// <summary>The root of the empty tree: SHA-256 of nothing (RFC 9162, 2.1.1).</summary>
    public static byte[] EmptyRoot => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static string ToHex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    public static byte[] FromHex(string hex)
    {
        if (hex.Length != 2 * Size)
        {
            throw new FormatException($"a hash is {2 * Size} hexadecimal characters, not {hex.Length}");
        }

        return Convert.FromHexString(hex);
    }
}
