// Hashes what a user names on the command line: a file or a folder. Planning (finding the files and
// their sizes) is separate from hashing so the progress display knows the total before it starts.
namespace Registry.Cli.Hashing;

/// <summary>What will be hashed: one file, or every file of a folder.</summary>
public sealed record HashPlan(string Path, bool IsFolder, IReadOnlyList<FolderFile> Files)
{
    public long TotalBytes => Files.Sum(f => f.SizeBytes);
}

public static class ContentHasher
{
    public static HashPlan Plan(string path)
    {
        if (Directory.Exists(path))
        {
            return new HashPlan(path, true, FolderHasher.Enumerate(path));
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new HashingException($"{path}: no such file or folder");
        }

        return new HashPlan(path, false, [new FolderFile(file.FullName, file.Name, file.Length)]);
    }

    public static async Task<ContentHash> HashAsync(HashPlan plan, IHashProgress? progress, CancellationToken cancellationToken)
    {
        if (!plan.IsFolder)
        {
            var (sha256, size) = await Task.Run(() => FileHasher.HashFile(plan.Files[0].FullPath, progress, cancellationToken), cancellationToken);
            return new ContentHash(sha256, size, 1, IsFolder: false);
        }

        var entries = await FolderHasher.HashFilesAsync(plan.Files, progress, cancellationToken);
        return new ContentHash(FolderHasher.HashOfEntries(entries), entries.Sum(e => e.SizeBytes), entries.Count, IsFolder: true);
    }

    public static Task<ContentHash> HashAsync(string path, IHashProgress? progress, CancellationToken cancellationToken) =>
        HashAsync(Plan(path), progress, cancellationToken);
}
