// Builds evidence bundles the way CONTRACT section 4 describes them, independently of the server:
// the Merkle tree and audit paths by the recursive definitions of RFC 6962 section 2.1.
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Registry.Cli.Evidence;

namespace Registry.Cli.Tests.Evidence;

public sealed class EvidenceBundleBuilder
{
    public const string Origin = "registry.test";

    public static byte[] Envelope(long position, string stream, string type, string data) => Encoding.UTF8.GetBytes(
        $$"""{"actor":"alice","data":{{data}},"metadata":{"correlationId":"c-{{position}}"},"position":{{position}},"recordedAt":"2026-11-21T12:34:56.{{position:000000}}Z","stream":"{{stream}}","type":"{{type}}","version":{{position}}}""");

    /// <summary>A log of <paramref name="size"/> events, every third in the stream "model-churn".</summary>
    public static List<byte[]> Log(int size) =>
        [.. Enumerable.Range(1, size).Select(p => p % 3 == 0
            ? Envelope(p, "model-churn", "VersionRegistered", $$"""{"sha256":"{{new string('a', 64)}}","version":{{p / 3}}}""")
            : Envelope(p, $"user-u{p}", "UserCreated", $$"""{"username":"u{{p}}"}"""))];

    public static byte[] Root(IReadOnlyList<byte[]> leaves) => leaves.Count switch
    {
        0 => SHA256.HashData(ReadOnlySpan<byte>.Empty),
        1 => leaves[0],
        _ => MerkleProof.NodeHash(Root(leaves.Take(Split(leaves.Count)).ToList()), Root(leaves.Skip(Split(leaves.Count)).ToList())),
    };

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count <= 1)
        {
            return [];
        }

        var k = Split(leaves.Count);
        var left = leaves.Take(k).ToList();
        var right = leaves.Skip(k).ToList();
        return m < k ? [.. Path(m, left), Root(right)] : [.. Path(m - k, right), Root(left)];
    }

    private static int Split(int n)
    {
        var k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }

    /// <summary>The bundle's files for the events at <paramref name="positions"/> of <paramref name="log"/>, signed by <paramref name="key"/>.</summary>
    public static Dictionary<string, byte[]> Build(IReadOnlyList<byte[]> log, IReadOnlyList<long> positions, ECDsa key)
    {
        var leaves = log.Select(e => MerkleProof.LeafHash(e)).ToList();
        var root = Root(leaves);
        var checkpoint = Encoding.UTF8.GetBytes($"{Origin}\n{log.Count.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(root)}\n");
        var events = new StringBuilder();
        var proofs = new StringBuilder();
        foreach (var position in positions)
        {
            events.Append(Encoding.UTF8.GetString(log[(int)position - 1])).Append('\n');
            proofs.Append(JsonSerializer.Serialize(new
            {
                position,
                leafHash = Convert.ToHexStringLower(leaves[(int)position - 1]),
                path = Path((int)position - 1, leaves).Select(Convert.ToHexStringLower),
            })).Append('\n');
        }

        return new Dictionary<string, byte[]>
        {
            ["manifest.json"] = JsonSerializer.SerializeToUtf8Bytes(new
            {
                format = "registry-evidence/v1",
                origin = Origin,
                scope = "model:churn",
                generatedAt = "2026-11-21T13:00:00Z",
                treeSize = log.Count,
                rootHash = Convert.ToHexStringLower(root),
                events = positions.Count,
            }),
            ["events.jsonl"] = Encoding.UTF8.GetBytes(events.ToString()),
            ["proofs.jsonl"] = Encoding.UTF8.GetBytes(proofs.ToString()),
            ["checkpoint.txt"] = checkpoint,
            ["checkpoint.sig"] = key.SignData(checkpoint, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            ["public-key.pem"] = Encoding.ASCII.GetBytes(key.ExportSubjectPublicKeyInfoPem()),
            ["README.txt"] = "Verify with: registry verify bundle.zip\n"u8.ToArray(),
        };
    }

    public static void WriteZip(IReadOnlyDictionary<string, byte[]> files, string path)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in files)
        {
            using var stream = archive.CreateEntry(name).Open();
            stream.Write(content);
        }
    }
}
