// Streaming SHA-256 of one file: large synchronous reads (1 MiB) into a pooled buffer with no
// FileStream buffering on top and a sequential-scan hint, which is what `sha256sum` does too; the
// benchmark "cli-hash" compares the two on the same file. SHA-256 is the platform's (OpenSSL on Linux).
using System.Buffers;
using System.Security.Cryptography;

namespace Registry.Cli.Hashing;

public static class FileHasher
{
    public const int BufferSize = 1 << 20;

    /// <summary>The SHA-256 of a file's bytes, reporting every chunk read to <paramref name="progress"/>.</summary>
    public static (string Sha256, long SizeBytes) HashFile(string path, IHashProgress? progress, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long offset = 0;
        try
        {
            int read;
            while ((read = RandomAccess.Read(handle, buffer.AsSpan(0, BufferSize), offset)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
                offset += read;
                progress?.Advance(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), offset);
    }

    /// <summary>The SHA-256 of everything left in a stream.</summary>
    public static async Task<(string Sha256, long SizeBytes)> HashStreamAsync(Stream stream, IHashProgress? progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
                progress?.Advance(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }
}
