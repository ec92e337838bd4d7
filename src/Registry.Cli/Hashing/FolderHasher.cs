// The folder hash (docs/hashing.md): SHA-256 over the manifest of `sha256sum` lines
// "<file sha256>  <relative path>\n", paths NFC-normalised with '/' separators, sorted by their
// UTF-8 bytes. Exactly what `find . -type f | LC_ALL=C sort | sha256sum` style scripts produce, so
// an auditor can recompute it without this tool. Files are hashed in parallel, largest first.
using System.Security.Cryptography;
using System.Text;

namespace Registry.Cli.Hashing;

/// <summary>A file found under a folder: where it is on disk and what it is called in the manifest.</summary>
public sealed record FolderFile(string FullPath, string RelativePath, long SizeBytes);

public static class FolderHasher
{
    private static readonly EnumerationOptions OneLevel = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0, // hidden and system files are content too
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Every file under <paramref name="root"/> as the folder hash sees it, in manifest order.</summary>
    public static IReadOnlyList<FolderFile> Enumerate(string root)
    {
        var rootInfo = new DirectoryInfo(root);
        if (!rootInfo.Exists)
        {
            throw new HashingException($"{root}: no such folder");
        }

        var files = new List<FolderFile>();
        Walk(rootInfo, rootInfo.FullName, files);
        if (files.Count == 0)
        {
            throw new HashingException($"{root}: the folder holds no files; an empty folder has no content to register");
        }

        files.Sort((a, b) => Utf8Ordinal.Compare(a.RelativePath, b.RelativePath));
        for (var i = 1; i < files.Count; i++)
        {
            if (files[i].RelativePath == files[i - 1].RelativePath)
            {
                throw new HashingException($"{root}: two files have the same name after Unicode NFC normalisation: '{files[i].RelativePath}'");
            }
        }

        return files;
    }

    /// <summary>The manifest text whose SHA-256 is the folder hash.</summary>
    public static string Manifest(IEnumerable<FolderEntry> entries)
    {
        var text = new StringBuilder();
        foreach (var entry in entries.OrderBy(e => e.RelativePath, Utf8Ordinal.Instance))
        {
            text.Append(entry.Sha256).Append("  ").Append(entry.RelativePath).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The folder hash of already-hashed entries (any order).</summary>
    public static string HashOfEntries(IEnumerable<FolderEntry> entries) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Manifest(entries))));

    /// <summary>Hashes every file (in parallel, largest first) and returns the entries in manifest order.</summary>
    public static async Task<IReadOnlyList<FolderEntry>> HashFilesAsync(IReadOnlyList<FolderFile> files, IHashProgress? progress, CancellationToken cancellationToken)
    {
        var entries = new FolderEntry[files.Count];
        var order = Enumerable.Range(0, files.Count).OrderByDescending(i => files[i].SizeBytes).ToArray();
        await Task.Run(
            () => Parallel.ForEach(
                order,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                i =>
                {
                    var (sha256, size) = FileHasher.HashFile(files[i].FullPath, progress, cancellationToken);
                    entries[i] = new FolderEntry(files[i].RelativePath, sha256, size);
                }),
            cancellationToken);
        return entries;
    }

    private static void Walk(DirectoryInfo directory, string root, List<FolderFile> files)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos("*", OneLevel))
        {
            var relative = ManifestPath(root, entry.FullName);
            if (entry.LinkTarget is not null)
            {
                // A link to a file is followed (model caches such as Hugging Face's are made of them);
                // a link to a folder is refused: it may form a cycle or reach outside what is registered.
                var target = entry.ResolveLinkTarget(returnFinalTarget: true);
                if (target is null || !target.Exists)
                {
                    throw new HashingException($"{entry.FullName}: the symbolic link points to '{entry.LinkTarget}', which does not exist");
                }

                if (target is DirectoryInfo)
                {
                    throw new HashingException($"{entry.FullName}: a symbolic link to a folder is not followed; copy the folder or hash '{target.FullName}' separately");
                }

                files.Add(new FolderFile(entry.FullName, relative, ((FileInfo)target).Length));
            }
            else if (entry is DirectoryInfo subdirectory)
            {
                Walk(subdirectory, root, files);
            }
            else
            {
                files.Add(new FolderFile(entry.FullName, relative, ((FileInfo)entry).Length));
            }
        }
    }

    private static string ManifestPath(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        if (Path.DirectorySeparatorChar != '/')
        {
            relative = relative.Replace(Path.DirectorySeparatorChar, '/');
        }

        if (relative.Contains('\n') || relative.Contains('\r'))
        {
            throw new HashingException($"{fullPath}: a file name with a line break cannot be written in the manifest; rename it");
        }

        return relative.Normalize(NormalizationForm.FormC);
    }
}

/// <summary>Orders strings by their UTF-8 bytes (what `LC_ALL=C sort` does), not by UTF-16 code units.</summary>
public sealed class Utf8Ordinal : IComparer<string>
{
    public static readonly Utf8Ordinal Instance = new();

    public static int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        return Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
    }

    int IComparer<string>.Compare(string? x, string? y) => Compare(x, y);
}
