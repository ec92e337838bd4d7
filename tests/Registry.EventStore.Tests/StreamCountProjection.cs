using Npgsql;

namespace Registry.EventStore.Tests;

/// <summary>A read table for tests: events per stream and the last type; refuses events of type "Poison".</summary>
public sealed class StreamCountProjection : IProjection
{
    public const string CreateTable = "CREATE TABLE IF NOT EXISTS registry.test_stream_counts (stream text PRIMARY KEY, events int NOT NULL, last_type text NOT NULL, last_position bigint NOT NULL)";

    public string Name => "test-stream-counts";

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        if (events.Any(e => e.Type == "Poison"))
        {
            throw new InvalidOperationException("this projection refuses poison");
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var e in events)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO registry.test_stream_counts (stream, events, last_type, last_position) VALUES ($1, 1, $2, $3)
                ON CONFLICT (stream) DO UPDATE SET events = test_stream_counts.events + 1, last_type = excluded.last_type, last_position = excluded.last_position
                """)
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = e.Stream }, new NpgsqlParameter<string> { TypedValue = e.Type }, new NpgsqlParameter<long> { TypedValue = e.Position } },
            });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("TRUNCATE registry.test_stream_counts", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<string> SnapshotAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(string_agg(stream || ':' || events || ':' || last_type || ':' || last_position, ',' ORDER BY stream), '') FROM registry.test_stream_counts");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The same read table, written by statements that ride in the append's own batch; refuses "Poison" too.</summary>
public sealed class BatchedStreamCountProjection : IBatchedProjection
{
    public string Name => "test-stream-counts-batched";

    public void AddTo(NpgsqlBatch batch, IReadOnlyList<StoredEvent> events)
    {
        if (events.Any(e => e.Type == "Poison"))
        {
            throw new InvalidOperationException("this projection refuses poison");
        }

        foreach (var e in events)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO registry.test_stream_counts (stream, events, last_type, last_position) VALUES ($1, 1, $2, $3)
                ON CONFLICT (stream) DO UPDATE SET events = test_stream_counts.events + 1, last_type = excluded.last_type, last_position = excluded.last_position
                """)
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = e.Stream }, new NpgsqlParameter<string> { TypedValue = e.Type }, new NpgsqlParameter<long> { TypedValue = e.Position } },
            });
        }
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddTo(batch, events);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("TRUNCATE registry.test_stream_counts", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
