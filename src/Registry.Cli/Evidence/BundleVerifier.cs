// `registry verify BUNDLE.zip` (CONTRACT section 4), offline: every event's leaf hash recomputed from
// its exact bytes in events.jsonl, every inclusion proof checked against the checkpoint's root, the
// positions strictly ascending and equal to the proofs', the manifest equal to the checkpoint, and
// the checkpoint's ECDSA P-256 signature checked with the bundled key, whose fingerprint is printed
// so the reader can compare it with the one the registry publishes.
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Registry.Cli.Evidence;

/// <summary>One thing that does not hold; <see cref="Position"/> names the event when it is about one.</summary>
public sealed record VerificationFailure(long? Position, string Message)
{
    public override string ToString() => Position is { } p ? $"event at position {p}: {Message}" : Message;
}

public sealed record VerificationReport(
    string? Origin,
    long TreeSize,
    string? RootHash,
    string? Scope,
    string? KeyFingerprint,
    int EventsChecked,
    IReadOnlyList<VerificationFailure> Failures)
{
    public bool Ok => Failures.Count == 0;
}

public static class BundleVerifier
{
    public const string FormatName = "registry-evidence/v1";

    /// <summary>SHA-256 of the key's DER SubjectPublicKeyInfo, lowercase hex (what `openssl pkey -pubin -outform DER | sha256sum` prints).</summary>
    public static string Fingerprint(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    public static VerificationReport Verify(string bundlePath, string? expectedKeyFingerprint = null)
    {
        Dictionary<string, byte[]> files;
        try
        {
            files = ReadZip(bundlePath);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return new VerificationReport(null, 0, null, null, null, 0, [new VerificationFailure(null, $"{bundlePath}: not a readable zip file ({e.Message})")]);
        }

        return Verify(files, expectedKeyFingerprint);
    }

    public static VerificationReport Verify(IReadOnlyDictionary<string, byte[]> files, string? expectedKeyFingerprint = null)
    {
        var failures = new List<VerificationFailure>();
        foreach (var required in new[] { "manifest.json", "events.jsonl", "proofs.jsonl", "checkpoint.txt", "checkpoint.sig", "public-key.pem" })
        {
            if (!files.ContainsKey(required))
            {
                failures.Add(new VerificationFailure(null, $"the bundle has no {required}"));
            }
        }

        if (failures.Count > 0)
        {
            return new VerificationReport(null, 0, null, null, null, 0, failures);
        }

        var manifest = ReadManifest(files["manifest.json"], failures);
        var checkpoint = Checkpoint.TryParse(files["checkpoint.txt"], out var checkpointProblem);
        if (checkpoint is null)
        {
            failures.Add(new VerificationFailure(null, checkpointProblem!));
        }

        var fingerprint = VerifySignature(files["checkpoint.txt"], files["checkpoint.sig"], files["public-key.pem"], expectedKeyFingerprint, failures);
        if (manifest is not null && checkpoint is not null)
        {
            if (manifest.Origin != checkpoint.Origin)
            {
                failures.Add(new VerificationFailure(null, $"manifest origin '{manifest.Origin}' differs from the checkpoint's '{checkpoint.Origin}'"));
            }

            if (manifest.TreeSize != checkpoint.TreeSize)
            {
                failures.Add(new VerificationFailure(null, $"manifest treeSize {manifest.TreeSize} differs from the checkpoint's {checkpoint.TreeSize}"));
            }

            if (!string.Equals(manifest.RootHash, checkpoint.RootHashHex, StringComparison.Ordinal))
            {
                failures.Add(new VerificationFailure(null, $"manifest rootHash {manifest.RootHash} differs from the signed checkpoint's {checkpoint.RootHashHex}"));
            }
        }

        var checkedEvents = checkpoint is null ? 0 : VerifyEvents(files["events.jsonl"], files["proofs.jsonl"], checkpoint, manifest, failures);
        return new VerificationReport(checkpoint?.Origin ?? manifest?.Origin, checkpoint?.TreeSize ?? manifest?.TreeSize ?? 0, checkpoint?.RootHashHex ?? manifest?.RootHash, manifest?.Scope, fingerprint, checkedEvents, failures);
    }

    private sealed record Manifest(string? Origin, string? Scope, long TreeSize, string? RootHash, long Events);

    private static Manifest? ReadManifest(byte[] bytes, List<VerificationFailure> failures)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var format = root.TryGetProperty("format", out var f) ? f.GetString() : null;
            if (format != FormatName)
            {
                failures.Add(new VerificationFailure(null, $"manifest format is '{format}', this tool verifies '{FormatName}'"));
                return null;
            }

            return new Manifest(
                root.TryGetProperty("origin", out var o) ? o.GetString() : null,
                root.TryGetProperty("scope", out var s) ? s.ToString() : null,
                root.GetProperty("treeSize").GetInt64(),
                root.GetProperty("rootHash").GetString(),
                root.GetProperty("events").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            failures.Add(new VerificationFailure(null, $"manifest.json is not a valid manifest: {e.Message}"));
            return null;
        }
    }

    private static string? VerifySignature(byte[] text, byte[] signature, byte[] pem, string? expectedFingerprint, List<VerificationFailure> failures)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(Encoding.ASCII.GetString(pem));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            failures.Add(new VerificationFailure(null, $"public-key.pem is not an ECDSA public key: {e.Message}"));
            return null;
        }

        var fingerprint = Fingerprint(key);
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            failures.Add(new VerificationFailure(null, $"public-key.pem is not a P-256 key (key {fingerprint})"));
        }
        else if (!key.VerifyData(text, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
        {
            failures.Add(new VerificationFailure(null, $"checkpoint.sig is not a valid signature of checkpoint.txt by the key {fingerprint}"));
        }

        if (expectedFingerprint is not null && !string.Equals(expectedFingerprint.Replace(":", "", StringComparison.Ordinal), fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add(new VerificationFailure(null, $"the checkpoint is signed by the key {fingerprint}, not the expected {expectedFingerprint.ToLowerInvariant()}"));
        }

        return fingerprint;
    }

    private static int VerifyEvents(byte[] eventsBytes, byte[] proofsBytes, Checkpoint checkpoint, Manifest? manifest, List<VerificationFailure> failures)
    {
        var events = Lines(eventsBytes);
        var proofs = Lines(proofsBytes);
        if (manifest is not null && manifest.Events != events.Count)
        {
            failures.Add(new VerificationFailure(null, $"the manifest counts {manifest.Events} events, events.jsonl holds {events.Count}"));
        }

        if (proofs.Count != events.Count)
        {
            failures.Add(new VerificationFailure(null, $"events.jsonl holds {events.Count} events but proofs.jsonl {proofs.Count} proofs"));
        }

        long previous = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var envelope = events[i];
            var position = EnvelopePosition(envelope);
            if (position is null)
            {
                failures.Add(new VerificationFailure(null, $"events.jsonl line {i + 1} is not an event envelope with a position"));
                continue;
            }

            if (position <= previous)
            {
                failures.Add(new VerificationFailure(position, $"out of order: line {i + 1} holds position {position} after position {previous}"));
            }

            previous = Math.Max(previous, position.Value);
            if (position > checkpoint.TreeSize)
            {
                failures.Add(new VerificationFailure(position, $"beyond the checkpoint's tree size {checkpoint.TreeSize}"));
                continue;
            }

            if (i >= proofs.Count)
            {
                failures.Add(new VerificationFailure(position, "has no proof in proofs.jsonl"));
                continue;
            }

            var leaf = MerkleProof.LeafHash(envelope);
            var proof = ReadProof(proofs[i]);
            if (proof is null)
            {
                failures.Add(new VerificationFailure(position, $"proofs.jsonl line {i + 1} is not a proof"));
                continue;
            }

            if (proof.Position != position)
            {
                failures.Add(new VerificationFailure(position, $"proofs.jsonl line {i + 1} is the proof of position {proof.Position}, not of this event"));
                continue;
            }

            if (!CryptographicOperations.FixedTimeEquals(leaf, proof.LeafHash))
            {
                failures.Add(new VerificationFailure(position, $"its bytes hash to leaf {Convert.ToHexStringLower(leaf)}, the proof states {Convert.ToHexStringLower(proof.LeafHash)}: the event was altered"));
                continue;
            }

            if (!MerkleProof.VerifyInclusion(position.Value - 1, checkpoint.TreeSize, leaf, proof.Path, checkpoint.RootHash))
            {
                failures.Add(new VerificationFailure(position, $"its inclusion proof does not lead to the signed root {checkpoint.RootHashHex}"));
            }
        }

        return events.Count;
    }

    private sealed record ProofLine(long Position, byte[] LeafHash, IReadOnlyList<byte[]> Path);

    private static ProofLine? ReadProof(byte[] line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return new ProofLine(
                root.GetProperty("position").GetInt64(),
                Convert.FromHexString(root.GetProperty("leafHash").GetString()!),
                [.. root.GetProperty("path").EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!))]);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            return null;
        }
    }

    private static long? EnvelopePosition(byte[] envelope)
    {
        try
        {
            using var document = JsonDocument.Parse(envelope);
            return document.RootElement.TryGetProperty("position", out var p) && p.TryGetInt64(out var position) ? position : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Lines as exact bytes, split on '\n' (canonical JSON never holds a raw line feed); a final line feed ends the last line.</summary>
    internal static List<byte[]> Lines(byte[] content)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] == (byte)'\n')
            {
                lines.Add(content[start..i]);
                start = i + 1;
            }
        }

        if (start < content.Length)
        {
            lines.Add(content[start..]);
        }

        return lines;
    }

    private static Dictionary<string, byte[]> ReadZip(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.EndsWith('/'))
            {
                continue;
            }

            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            // a bundle may be zipped with or without a top-level folder
            files[entry.FullName.Split('/')[^1]] = buffer.ToArray();
        }

        return files;
    }
}
