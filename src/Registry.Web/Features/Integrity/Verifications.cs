// Each full verification of the log, remembered (migrations/0040): the dashboard and the integrity
// page say when the log was last verified, by whom, and with what result. Kept beside the log, not
// in it: verifying reads the log and must not change what it verifies (see docs/portal.md).
using Npgsql;
using Registry.EventStore;

namespace Registry.Web.Features.Integrity;

/// <summary>One verification as remembered: <paramref name="Via"/> is "portal" or "api".</summary>
public sealed record VerificationRecord(
    DateTimeOffset VerifiedAt, string VerifiedBy, string Via, long TreeSize, byte[] RootHash, bool Ok, long? FirstBadPosition, string? Problem, int CheckpointsChecked)
{
    public string RootHashHex => Convert.ToHexStringLower(RootHash);
}

public sealed class Verifications(LogVerifier verifier, NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>Verifies the whole log now and remembers the result as run by <paramref name="actor"/>.</summary>
    public async Task<VerificationResult> VerifyAsync(string actor, string via, CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(cancellationToken);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO registry.integrity_verifications (verified_at, verified_by, via, tree_size, root_hash, ok, first_bad_position, problem, checkpoints_checked)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = actor });
        command.Parameters.Add(new NpgsqlParameter { Value = via });
        command.Parameters.Add(new NpgsqlParameter { Value = result.TreeSize });
        command.Parameters.Add(new NpgsqlParameter { Value = result.RootHash });
        command.Parameters.Add(new NpgsqlParameter { Value = result.Ok });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)result.FirstBadPosition ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)result.Problem ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = result.CheckpointsChecked });

        // The verification happened whether or not the caller is still waiting: remember it regardless.
        await command.ExecuteNonQueryAsync(CancellationToken.None);
        return result;
    }

    /// <summary>The newest verification, or null when the log has never been verified here.</summary>
    public async Task<VerificationRecord?> LatestAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT verified_at, verified_by, via, tree_size, root_hash, ok, first_bad_position, problem, checkpoints_checked
            FROM registry.integrity_verifications ORDER BY id DESC LIMIT 1
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new VerificationRecord(
            reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetFieldValue<byte[]>(4), reader.GetBoolean(5),
            reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetInt32(8));
    }
}
