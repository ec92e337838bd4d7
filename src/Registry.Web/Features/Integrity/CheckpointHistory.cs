// The signed checkpoints as the integrity page pages through them, newest first, read from
// registry.checkpoints (all are kept, append-only); the signer signs them, this only reads.
using Npgsql;
using Registry.EventStore.Checkpoints;

namespace Registry.Web.Features.Integrity;

public sealed class CheckpointHistory(NpgsqlDataSource dataSource)
{
    public const int PageSize = 25;

    private const string Columns = "id, origin, tree_size, root_hash, body, signature, public_key, signed_at";

    public async Task<Checkpoint?> LatestAsync(CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM registry.checkpoints ORDER BY id DESC LIMIT 1", null, cancellationToken)).FirstOrDefault();

    public async Task<Checkpoint?> ByIdAsync(long id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM registry.checkpoints WHERE id = @n", id, cancellationToken)).FirstOrDefault();

    /// <summary>The newest checkpoint of exactly <paramref name="treeSize"/> events, if one was signed.</summary>
    public async Task<Checkpoint?> OfSizeAsync(long treeSize, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM registry.checkpoints WHERE tree_size = @n ORDER BY id DESC LIMIT 1", treeSize, cancellationToken)).FirstOrDefault();

    /// <summary>A page of checkpoints, newest first, those with an id below <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<Checkpoint>> PageAsync(long? before, CancellationToken cancellationToken) =>
        await QueryAsync(
            before is null
                ? $"SELECT {Columns} FROM registry.checkpoints ORDER BY id DESC LIMIT {PageSize + 1}"
                : $"SELECT {Columns} FROM registry.checkpoints WHERE id < @n ORDER BY id DESC LIMIT {PageSize + 1}",
            before,
            cancellationToken);

    private async Task<List<Checkpoint>> QueryAsync(string sql, long? n, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (n is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("n", n.Value));
        }

        var list = new List<Checkpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Checkpoint(
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
