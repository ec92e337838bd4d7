// An offline verifier of registry-evidence/v1 bundles, written from CONTRACT section 4 alone (it
// shares no code with the writer), so the writer is checked against the contract, not against itself.
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Registry.Web.Tests.Evidence;

public sealed record Verdict(bool Ok, string? Failure, long? FailingPosition, string? KeyFingerprint, int Events);

public static class BundleVerifier
{
    public static Verdict Verify(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        var files = zip.Entries.ToDictionary(e => e.FullName, Read, StringComparer.Ordinal);
        foreach (var name in (string[])["manifest.json", "events.jsonl", "proofs.jsonl", "checkpoint.txt", "checkpoint.sig", "public-key.pem", "README.txt"])
        {
            if (!files.ContainsKey(name))
            {
                return Fail($"{name} is missing");
            }
        }

        using var manifest = JsonDocument.Parse(files["manifest.json"]);
        var m = manifest.RootElement;
        if (m.GetProperty("format").GetString() != "registry-evidence/v1")
        {
            return Fail("not registry-evidence/v1");
        }

        var treeSize = m.GetProperty("treeSize").GetInt64();
        var rootHex = m.GetProperty("rootHash").GetString()!;

        var checkpointLines = Encoding.UTF8.GetString(files["checkpoint.txt"]).Split('\n');
        if (checkpointLines.Length != 4 || checkpointLines[3] != "")
        {
            return Fail("checkpoint.txt is not three lines each ending in a newline");
        }

        string fingerprint;
        using (var key = ECDsa.Create())
        {
            var spki = Convert.FromBase64String(string.Concat(Encoding.ASCII.GetString(files["public-key.pem"]).Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
            key.ImportSubjectPublicKeyInfo(spki, out _);
            fingerprint = Convert.ToHexStringLower(SHA256.HashData(spki));
            if (!key.VerifyData(files["checkpoint.txt"], files["checkpoint.sig"], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            {
                return Fail("the checkpoint's signature does not verify", fingerprint: fingerprint);
            }
        }

        if (checkpointLines[0] != m.GetProperty("origin").GetString() || checkpointLines[1] != treeSize.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return Fail("the manifest's origin or tree size differs from the checkpoint's", fingerprint: fingerprint);
        }

        var root = Convert.FromBase64String(checkpointLines[2]);
        if (Convert.ToHexStringLower(root) != rootHex)
        {
            return Fail("the manifest's root differs from the signed root", fingerprint: fingerprint);
        }

        var events = Lines(files["events.jsonl"]);
        var proofs = Lines(files["proofs.jsonl"]);
        if (events.Count != proofs.Count || events.Count != m.GetProperty("events").GetInt32())
        {
            return Fail("events, proofs and manifest disagree on the number of events", fingerprint: fingerprint);
        }

        long previous = 0;
        for (var i = 0; i < events.Count; i++)
        {
            using var proof = JsonDocument.Parse(proofs[i]);
            var position = proof.RootElement.GetProperty("position").GetInt64();
            using var envelope = JsonDocument.Parse(events[i]);
            if (envelope.RootElement.GetProperty("position").GetInt64() != position)
            {
                return Fail($"line {i + 1}: the event's position differs from its proof's", position, fingerprint);
            }

            if (position <= previous)
            {
                return Fail($"event {position} is out of order", position, fingerprint);
            }

            previous = position;
            var leaf = SHA256.HashData([0x00, .. events[i]]);
            if (Convert.ToHexStringLower(leaf) != proof.RootElement.GetProperty("leafHash").GetString())
            {
                return Fail($"event {position}: its bytes do not hash to the proof's leaf hash", position, fingerprint);
            }

            var path = proof.RootElement.GetProperty("path").EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!)).ToList();
            if (!Included(position - 1, treeSize, leaf, path, root))
            {
                return Fail($"event {position}: its inclusion proof does not lead to the signed root", position, fingerprint);
            }
        }

        return new Verdict(true, null, null, fingerprint, events.Count);
    }

    /// <summary>RFC 9162 section 2.1.3.2.</summary>
    private static bool Included(long index, long size, byte[] leaf, List<byte[]> path, byte[] root)
    {
        if (index >= size)
        {
            return false;
        }

        var (fn, sn, r) = (index, size - 1, leaf);
        foreach (var p in path)
        {
            if (sn == 0 || p.Length != 32)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = SHA256.HashData([0x01, .. p, .. r]);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = SHA256.HashData([0x01, .. r, .. p]);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>Lines without their "\n"; the file must end with one.</summary>
    private static List<byte[]> Lines(byte[] file)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < file.Length; i++)
        {
            if (file[i] == (byte)'\n')
            {
                lines.Add(file[start..i]);
                start = i + 1;
            }
        }

        return start == file.Length ? lines : throw new FormatException("the last line does not end with a newline");
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static Verdict Fail(string why, long? position = null, string? fingerprint = null) => new(false, why, position, fingerprint, 0);
}

/// <summary>Rewrites files of a bundle, as someone tampering with it would.</summary>
public static class BundleTampering
{
    public static byte[] Rewrite(byte[] zipBytes, Func<string, byte[], byte[]> change)
    {
        using var input = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var source = entry.Open();
                using var memory = new MemoryStream();
                source.CopyTo(memory);
                using var target = zip.CreateEntry(entry.FullName).Open();
                target.Write(change(entry.FullName, memory.ToArray()));
            }
        }

        return output.ToArray();
    }

    public static byte[] File(byte[] zipBytes, string name)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        using var stream = zip.GetEntry(name)!.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
