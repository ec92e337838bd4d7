// Operations on the registry's database directly (for operators, before or without a running host).
using System.CommandLine;
using Npgsql;
using Registry.EventStore.Migrations;

namespace Registry.Cli.Commands;

public static class DatabaseCommands
{
    public const string ConnectionVariable = "ConnectionStrings__Registry";

    public static Option<string?> ConnectionOption() => new("--connection")
    {
        Description = $"PostgreSQL connection string (default: ${ConnectionVariable})",
    };

    public static Command BuildMigrate(CliEnvironment environment)
    {
        var connection = ConnectionOption();
        var migrate = new Command("migrate", "Apply the registry's SQL migrations that are not applied yet (each checked against its recorded SHA-256)");
        migrate.Options.Add(connection);
        migrate.Handle(environment, async (parse, cancellationToken) =>
        {
            await using var dataSource = NpgsqlDataSource.Create(ConnectionString(environment, parse.GetValue(connection)));
            try
            {
                var report = await new Migrator(dataSource).MigrateAsync(cancellationToken);
                foreach (var name in report.Applied)
                {
                    environment.Out.WriteLine($"applied {name}");
                }

                environment.Out.WriteLine($"{report.Applied.Count} migration(s) applied, {report.AlreadyApplied.Count} already applied");
                return ExitCodes.Ok;
            }
            catch (MigrationException e)
            {
                environment.Error.WriteLine($"registry: {e.Message}");
                return ExitCodes.Rejected;
            }
            catch (NpgsqlException e)
            {
                environment.Error.WriteLine($"registry: cannot reach the database: {e.Message}");
                return ExitCodes.Unavailable;
            }
        });
        return migrate;
    }

    internal static string ConnectionString(CliEnvironment environment, string? given)
    {
        var value = given ?? environment.Variables(ConnectionVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new Api.UsageException($"no database: give --connection \"Host=…;Database=…;Username=…\" or set {ConnectionVariable}");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
        }
        catch (ArgumentException e)
        {
            throw new Api.UsageException($"--connection is not a valid PostgreSQL connection string: {e.Message}");
        }

        return value;
    }
}
