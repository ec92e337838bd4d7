// A checkpoint is the C2SP tlog-checkpoint body (origin, size, base64 root; each line ending in
// "\n") signed with ECDSA P-256 over SHA-256, DER-encoded: exactly what
// `openssl dgst -sha256 -verify public-key.pem -signature checkpoint.sig checkpoint.txt` checks.
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Registry.EventStore.Checkpoints;

public sealed record Checkpoint(long Id, string Origin, long TreeSize, byte[] RootHash, string Body, byte[] Signature, string PublicKeyPem, DateTimeOffset SignedAt)
{
    public static string FormatBody(string origin, long treeSize, ReadOnlySpan<byte> rootHash) =>
        $"{origin}\n{treeSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(rootHash)}\n";

    /// <summary>SHA-256 of the public key's SubjectPublicKeyInfo (DER), hex: what people compare out of band.</summary>
    public string KeyFingerprint => KeyFingerprintOf(PublicKeyPem);

    public static string KeyFingerprintOf(string publicKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>True when the body says what the fields say and the signature over it verifies with the public key.</summary>
    public bool HasValidSignature()
    {
        if (Body != FormatBody(Origin, TreeSize, RootHash))
        {
            return false;
        }

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
}

internal static class CheckpointStore
{
    private const string Columns = "id, origin, tree_size, root_hash, body, signature, public_key, signed_at";

    public static async Task<IReadOnlyList<Checkpoint>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM registry.checkpoints ORDER BY tree_size, id", connection, transaction);
        return await ReadAsync(command, cancellationToken);
    }

    public static async Task<Checkpoint?> LatestAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM registry.checkpoints ORDER BY id DESC LIMIT 1", connection);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public static async Task<Checkpoint?> FindAsync(NpgsqlConnection connection, long treeSize, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM registry.checkpoints WHERE tree_size = $1 ORDER BY id DESC LIMIT 1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = treeSize });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public static async Task<Checkpoint> InsertAsync(NpgsqlConnection connection, Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO registry.checkpoints (origin, tree_size, root_hash, body, signature, public_key, signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = checkpoint.Origin });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = checkpoint.TreeSize });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = checkpoint.RootHash });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = checkpoint.Body });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = checkpoint.Signature });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = checkpoint.PublicKeyPem });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = checkpoint.SignedAt });
        var id = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return checkpoint with { Id = id };
    }

    private static async Task<IReadOnlyList<Checkpoint>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<Checkpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new Checkpoint(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetFieldValue<byte[]>(3),
                reader.GetString(4),
                reader.GetFieldValue<byte[]>(5),
                reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return result;
    }
}
