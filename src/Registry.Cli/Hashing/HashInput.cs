// One thing `version register` or `hash` hashes: a file or folder on disk (size known before it
// starts), or a stream such as a download (size known, if at all, once it opens). The display hashes
// several at once and needs only these two facts from each.
namespace Registry.Cli.Hashing;

public abstract class HashInput(string label)
{
    /// <summary>How the input is named in progress lines and bars.</summary>
    public string Label { get; } = label;

    /// <summary>The bytes to hash, when known before hashing starts.</summary>
    public abstract long? KnownBytes { get; }

    public abstract Task<ContentHash> HashAsync(IHashProgress progress, CancellationToken cancellationToken);

    public static HashInput Local(string label, HashPlan plan) => new LocalInput(label, plan);

    private sealed class LocalInput(string label, HashPlan plan) : HashInput(label)
    {
        public override long? KnownBytes => plan.TotalBytes;

        public override Task<ContentHash> HashAsync(IHashProgress progress, CancellationToken cancellationToken) =>
            ContentHasher.HashAsync(plan, progress, cancellationToken);
    }
}

/// <summary>The bytes of a stream, opened only when its turn comes (so a download does not wait idle).</summary>
public class StreamInput(string label, Func<CancellationToken, Task<(Stream Stream, long? Length)>> open) : HashInput(label)
{
    public override long? KnownBytes => null;

    public override async Task<ContentHash> HashAsync(IHashProgress progress, CancellationToken cancellationToken)
    {
        var (stream, length) = await open(cancellationToken);
        await using (stream)
        {
            if (length is { } known)
            {
                progress.Sized(known);
            }

            var (sha256, size) = await FileHasher.HashStreamAsync(stream, progress, cancellationToken);
            return new ContentHash(sha256, size, 1, IsFolder: false);
        }
    }
}
