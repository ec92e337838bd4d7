// A signed checkpoint as exported: the exact signed text, the DER signature, the public key, and the
// fingerprint an auditor compares. Read straight from registry.checkpoints (all checkpoints are kept).
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Registry.Web.Features.Reports;

namespace Registry.Web.Features.Evidence;

public sealed record SignedCheckpoint(
    string Origin,
    long TreeSize,
    byte[] RootHash,
    string Body,
    byte[] Signature,
    string PublicKeyPem,
    DateTimeOffset SignedAt)
{
    /// <summary>The SubjectPublicKeyInfo DER of the signing key.</summary>
    public byte[] PublicKeyDer => PemEncoding.TryFind(PublicKeyPem, out var fields)
        ? Convert.FromBase64String(PublicKeyPem[fields.Base64Data])
        : throw new InvalidOperationException("the checkpoint's public key is not PEM");

    /// <summary>SHA-256 of the key's SubjectPublicKeyInfo DER, hex: what `registry verify` prints.</summary>
    public string KeyFingerprint => Convert.ToHexStringLower(SHA256.HashData(PublicKeyDer));

    public string RootHashHex => Convert.ToHexStringLower(RootHash);

    public CheckpointSummary Summary => new(Origin, TreeSize, RootHashHex, Convert.ToBase64String(RootHash), Convert.ToBase64String(Signature), KeyFingerprint, SignedAt);

    /// <summary>Whether the signature is valid for the body under the included key (a broken signer must not ship a bundle).</summary>
    public bool SignatureIsValid()
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(PublicKeyDer, out _);
        return key.VerifyData(Encoding.UTF8.GetBytes(Body), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>The newest checkpoint, or null when none has been signed yet.</summary>
    public static async Task<SignedCheckpoint?> LatestAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await ReadOneAsync(dataSource, "ORDER BY tree_size DESC, id DESC LIMIT 1", null, cancellationToken);

    /// <summary>The newest checkpoint signed at or before <paramref name="at"/>.</summary>
    public static async Task<SignedCheckpoint?> LatestAtAsync(NpgsqlDataSource dataSource, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ReadOneAsync(dataSource, "WHERE signed_at <= @at ORDER BY tree_size DESC, id DESC LIMIT 1", at, cancellationToken);

    private static async Task<SignedCheckpoint?> ReadOneAsync(NpgsqlDataSource dataSource, string clause, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT origin, tree_size, root_hash, body, signature, public_key, signed_at FROM registry.checkpoints {clause}");
        if (at is { } value)
        {
            command.Parameters.AddWithValue("at", value.UtcDateTime);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SignedCheckpoint(
            reader.GetString(0),
            reader.GetInt64(1),
            (byte[])reader[2],
            reader.GetString(3),
            (byte[])reader[4],
            ToPem(reader.GetString(5)),
            new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero));
    }

    private static string ToPem(string stored)
    {
        var text = stored.Trim();
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return text.ReplaceLineEndings("\n") + "\n";
        }

        return PemEncoding.WriteString("PUBLIC KEY", Convert.FromBase64String(text)) + "\n";
    }
}
