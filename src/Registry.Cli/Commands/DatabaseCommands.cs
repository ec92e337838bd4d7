// Operations on the registry's database directly (for operators, before or without a running host).
using System.CommandLine;
using Npgsql;
using Registry.EventStore;
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

    public static Command BuildProjections(CliEnvironment environment)
    {
        var connection = ConnectionOption();
        var only = new Option<string[]>("--only") { Description = "Rebuild only the projections with these names (default: all)" };
        var rebuild = new Command("rebuild", "Empty the read models and replay the whole log into them, in one transaction that holds off appends");
        rebuild.Options.Add(connection);
        rebuild.Options.Add(only);
        rebuild.Handle(environment, async (parse, cancellationToken) =>
        {
            await using var dataSource = NpgsqlDataSource.Create(ConnectionString(environment, parse.GetValue(connection)));
            var projections = Projections();
            var names = parse.GetValue(only) is { Length: > 0 } n ? n : null;
            var unknown = names?.Except(projections.Select(p => p.Name)).ToList() ?? [];
            if (unknown.Count > 0)
            {
                throw new Api.UsageException($"unknown projection(s) {string.Join(", ", unknown)}; known: {string.Join(", ", projections.Select(p => p.Name))}");
            }

            try
            {
                await using var store = new EventStore.EventStore(dataSource, projections, new EventStoreOptions(), TimeProvider.System);
                var replayed = await store.RebuildProjectionsAsync(names, cancellationToken);
                environment.Out.WriteLine($"rebuilt {string.Join(", ", names ?? [.. projections.Select(p => p.Name)])} from {replayed} event(s)");
                return ExitCodes.Ok;
            }
            catch (NpgsqlException e)
            {
                environment.Error.WriteLine($"registry: cannot reach the database: {e.Message}");
                return ExitCodes.Unavailable;
            }
        });
        var projectionsCommand = new Command("projections", "The read models kept from the log");
        projectionsCommand.Subcommands.Add(rebuild);
        return projectionsCommand;
    }

    /// <summary>Every projection shipped in Registry.EventStore (its Projections folder), as the host registers them.</summary>
    public static IReadOnlyList<IProjection> Projections() =>
        [.. typeof(IProjection).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IProjection).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IProjection)Activator.CreateInstance(t)!)
            .OrderBy(p => p.Name, StringComparer.Ordinal)];

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
