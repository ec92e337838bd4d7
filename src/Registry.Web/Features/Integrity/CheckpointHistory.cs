// The signed checkpoints as the integrity page shows them, read from registry.checkpoints (all
// are kept, append-only). The key fingerprint is SHA-256 over the DER SubjectPublicKeyInfo, the
// same figure `openssl pkey -pubin -outform DER | sha256sum` and `registry verify` print.
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Registry.Web.Features.Integrity;

public sealed record SignedCheckpoint(long Id, string Origin, long TreeSize, byte[] RootHash, string Body, byte[] Signature, string PublicKeyPem, DateTimeOffset SignedAt)
{
    public string RootHex => Convert.ToHexStringLower(RootHash);

    public string RootBase64 => Convert.ToBase64String(RootHash);

    public string SignatureBase64 => Convert.ToBase64String(Signature);

    public string KeyFingerprint => Fingerprint(PublicKeyPem);

    /// <summary>Whether the signature over the body verifies with the stored public key (ECDSA P-256, SHA-256, DER).</summary>
    public bool SignatureVerifies()
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(PublicKeyPem);
            return key.VerifyData(Encoding.UTF8.GetBytes(Body), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static string Fingerprint(string publicKeyPem)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(publicKeyPem);
            return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        }
        catch (CryptographicException)
        {
            return "unreadable key";
        }
        catch (ArgumentException)
        {
            return "unreadable key";
        }
    }
}

public sealed class CheckpointHistory(NpgsqlDataSource dataSource)
{
    public const int PageSize = 25;

    private const string Columns = "id, origin, tree_size, root_hash, body, signature, public_key, signed_at";

    public async Task<SignedCheckpoint?> LatestAsync(CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM registry.checkpoints ORDER BY id DESC LIMIT 1", null, cancellationToken)).FirstOrDefault();

    public async Task<SignedCheckpoint?> ByIdAsync(long id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM registry.checkpoints WHERE id = @n", id, cancellationToken)).FirstOrDefault();

    /// <summary>The newest checkpoint of exactly <paramref name="treeSize"/> events, if one was signed.</summary>
    public async Task<SignedCheckpoint?> OfSizeAsync(long treeSize, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM registry.checkpoints WHERE tree_size = @n ORDER BY id DESC LIMIT 1", treeSize, cancellationToken)).FirstOrDefault();

    /// <summary>The smallest checkpoint that covers <paramref name="position"/>, the first signed root that includes that event.</summary>
    public async Task<SignedCheckpoint?> FirstCoveringAsync(long position, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM registry.checkpoints WHERE tree_size >= @n ORDER BY tree_size, id LIMIT 1", position, cancellationToken)).FirstOrDefault();

    /// <summary>A page of checkpoints, newest first, those with an id below <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<SignedCheckpoint>> PageAsync(long? before, CancellationToken cancellationToken) =>
        await QueryAsync(
            before is null
                ? $"SELECT {Columns} FROM registry.checkpoints ORDER BY id DESC LIMIT {PageSize + 1}"
                : $"SELECT {Columns} FROM registry.checkpoints WHERE id < @n ORDER BY id DESC LIMIT {PageSize + 1}",
            before,
            cancellationToken);

    private async Task<List<SignedCheckpoint>> QueryAsync(string sql, long? n, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (n is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("n", n.Value));
        }

        var list = new List<SignedCheckpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new SignedCheckpoint(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetFieldValue<byte[]>(3),
                reader.GetString(4),
                reader.GetFieldValue<byte[]>(5),
                reader.GetString(6),
                new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero)));
        }

        return list;
    }
}
