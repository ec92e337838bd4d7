// The three hashes of the log (CONTRACT.md section 3), in one place so every reader and writer
// computes them identically: RFC 9162 leaf and inner-node hashes (domain-separated by a prefix
// byte, so a leaf can never pass for a node) and the linear chain over leaf hashes.
using System.Buffers;
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
        var hash = new byte[Size];
        Leaf(envelope, hash);
        return hash;
    }

    /// <summary>SHA-256(0x00 ‖ envelope), written into <paramref name="destination"/> (32 bytes).</summary>
    public static void Leaf(ReadOnlySpan<byte> envelope, Span<byte> destination)
    {
        // One-shot hashing of a contiguous buffer is several times faster than an incremental hash
        // for inputs this small; copying the envelope behind the prefix byte costs less than that.
        var rented = envelope.Length < 1024 ? null : ArrayPool<byte>.Shared.Rent(envelope.Length + 1);
        Span<byte> input = rented is null ? stackalloc byte[envelope.Length + 1] : rented.AsSpan(0, envelope.Length + 1);
        input[0] = 0x00;
        envelope.CopyTo(input[1..]);
        SHA256.HashData(input, destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right).</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        Node(left, right, hash);
        return hash;
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right), written into <paramref name="destination"/> (which may overlap either input).</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + (2 * Size)];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        SHA256.HashData(input, destination);
    }

    /// <summary>SHA-256(previous chain hash ‖ leaf hash).</summary>
    public static byte[] Chain(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> leaf)
    {
        var hash = new byte[Size];
        Chain(previous, leaf, hash);
        return hash;
    }

    /// <summary>SHA-256(previous chain hash ‖ leaf hash), written into <paramref name="destination"/> (which may overlap either input).</summary>
    public static void Chain(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> leaf, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[2 * Size];
        previous.CopyTo(input);
        leaf.CopyTo(input[Size..]);
        SHA256.HashData(input, destination);
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
