// Applies the numbered SQL files of /migrations (embedded in this assembly) in order, one
// transaction each, and records each with its SHA-256. A file changed after it was applied stops
// the start naming the file: the schema an auditor reviewed must be the schema that runs.
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Registry.EventStore.Migrations;

/// <summary>One migration file: <c>NNNN_name.sql</c> and its text.</summary>
public sealed record Migration(string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>A migration problem a person must fix (changed file, failing SQL), named plainly.</summary>
public sealed class MigrationException(string message, Exception? inner = null) : Exception(message, inner);

public sealed record MigrationReport(IReadOnlyList<string> Applied, IReadOnlyList<string> AlreadyApplied);

public sealed class Migrator(NpgsqlDataSource dataSource, IReadOnlyList<Migration> migrations)
{
    // Any constant works; it keeps two replicas starting together from migrating at once.
    private const long AdvisoryLockKey = 0x5245_4749_5354_5259; // "REGISTRY"

    public Migrator(NpgsqlDataSource dataSource) : this(dataSource, Embedded()) { }

    /// <summary>The migrations shipped in this assembly, ordered by file name.</summary>
    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(Migrator).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => new Migration(n["migrations/".Length..], Read(assembly, n)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>The migrations in a folder (for tests and for reviewing a release), ordered by file name.</summary>
    public static IReadOnlyList<Migration> FromDirectory(string directory) =>
        [.. Directory.GetFiles(directory, "*.sql")
            .Select(f => new Migration(Path.GetFileName(f), File.ReadAllText(f)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];

    public async Task<MigrationReport> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, null, "SELECT pg_advisory_lock($1)", cancellationToken, AdvisoryLockKey);
        try
        {
            await Execute(connection, null, """
                CREATE SCHEMA IF NOT EXISTS registry;
                CREATE TABLE IF NOT EXISTS registry.schema_migrations (
                    name text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """, cancellationToken);

            var applied = await AppliedAsync(connection, cancellationToken);
            var done = new List<string>();
            var skipped = new List<string>();
            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Name, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new MigrationException(
                            $"migrations/{migration.Name} was changed after it was applied (recorded SHA-256 {checksum}, file now {migration.Checksum}). " +
                            "Applied migrations are history: restore the file and put the change in a new migration.");
                    }

                    skipped.Add(migration.Name);
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                try
                {
                    await Execute(connection, transaction, migration.Sql, cancellationToken);
                }
                catch (PostgresException e)
                {
                    throw new MigrationException($"migrations/{migration.Name} failed: {e.MessageText} (SQLSTATE {e.SqlState}). Nothing of it was applied.", e);
                }

                await Execute(connection, transaction, "INSERT INTO registry.schema_migrations (name, checksum) VALUES ($1, $2)", cancellationToken, migration.Name, migration.Checksum);
                await transaction.CommitAsync(cancellationToken);
                done.Add(migration.Name);
            }

            return new MigrationReport(done, skipped);
        }
        finally
        {
            await Execute(connection, null, "SELECT pg_advisory_unlock($1)", CancellationToken.None, AdvisoryLockKey);
        }
    }

    /// <summary>True when every known migration is applied with its recorded checksum (readiness).</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('registry.schema_migrations') IS NOT NULL", connection);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return false;
        }

        var applied = await AppliedAsync(connection, cancellationToken);
        return migrations.All(m => applied.TryGetValue(m.Name, out var c) && c == m.Checksum);
    }

    private static async Task<Dictionary<string, string>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT name, checksum FROM registry.schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetString(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
