// What the CLI sends for an artifact or a dataset: one SHA-256 for a file, or for a folder the
// SHA-256 of its manifest (docs/hashing.md), plus the number of bytes that went into it.
namespace Registry.Cli.Hashing;

/// <summary>The hash of a file or a folder: 64 lowercase hex characters, the bytes hashed, and how many files.</summary>
public sealed record ContentHash(string Sha256, long SizeBytes, int FileCount, bool IsFolder);

/// <summary>One file inside a hashed folder: its manifest path (NFC, '/' separators) and its SHA-256.</summary>
public sealed record FolderEntry(string RelativePath, string Sha256, long SizeBytes);

/// <summary>A path that cannot be hashed as defined (dangling link, directory link, newline in a name…), named plainly.</summary>
public sealed class HashingException(string message) : Exception(message);
