// Operations on the registry's database directly (for operators, before or without a running host).
// Database errors become exit codes in RegistryCli.Handle (migration refused: 2; unreachable: 3).
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
            var report = await new Migrator(dataSource).MigrateAsync(cancellationToken);
            foreach (var name in report.Applied)
            {
                environment.Out.WriteLine($"applied {name}");
            }

            environment.Out.WriteLine($"{report.Applied.Count} migration(s) applied, {report.AlreadyApplied.Count} already applied");
            return ExitCodes.Ok;
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

            await using var store = new EventStore.EventStore(dataSource, projections, new EventStoreOptions(), TimeProvider.System);
            var replayed = await store.RebuildProjectionsAsync(names, cancellationToken);
            environment.Out.WriteLine($"rebuilt {string.Join(", ", names ?? [.. projections.Select(p => p.Name)])} from {replayed} event(s)");
            return ExitCodes.Ok;
        });
        var projectionsCommand = new Command("projections", "The read models kept from the log");
        projectionsCommand.Subcommands.Add(rebuild);
        return projectionsCommand;
    }

    public static Command BuildLog(CliEnvironment environment)
    {
        var log = new Command("log", "The whole event log as a file: export it, or import it into an empty database");
        log.Subcommands.Add(BuildExport(environment));
        log.Subcommands.Add(BuildImport(environment));
        return log;
    }

    private static Command BuildExport(CliEnvironment environment)
    {
        var connection = ConnectionOption();
        var file = new Argument<string>("FILE") { Description = "Where to write the archive (replaced if it exists)" };
        var origin = new Option<string?>("--origin") { Description = "The log's name for the archive's header (default: the origin of its latest checkpoint)" };
        var export = new Command("export", "Write every event of the log, byte for byte, with its size and root hash, from one consistent snapshot");
        export.Arguments.Add(file);
        export.Options.Add(connection);
        export.Options.Add(origin);
        export.Handle(environment, async (parse, cancellationToken) =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(file), environment.WorkingDirectory);
            await using var dataSource = NpgsqlDataSource.Create(ConnectionString(environment, parse.GetValue(connection)));
            try
            {
                var name = parse.GetValue(origin) ?? await LatestOriginAsync(dataSource, cancellationToken) ?? new EventStoreOptions().Origin;
                await using var store = new EventStore.EventStore(dataSource, [], new EventStoreOptions { Origin = name }, TimeProvider.System);
                // Written beside the target and moved into place, so FILE is never half an archive.
                var partial = path + ".partial";
                LogHead head;
                try
                {
                    await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    {
                        head = await LogArchive.ExportAsync(store, output, cancellationToken);
                    }

                    File.Move(partial, path, overwrite: true);
                }
                finally
                {
                    File.Delete(partial);
                }

                environment.Out.WriteLine($"exported {head.TreeSize} event(s) of {name} to {path}: root {Convert.ToHexStringLower(head.RootHash)}");
                return ExitCodes.Ok;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                environment.Error.WriteLine($"registry: this database holds no registry log ({e.MessageText})");
                return ExitCodes.Rejected;
            }
        });
        return export;
    }

    private static Command BuildImport(CliEnvironment environment)
    {
        var connection = ConnectionOption();
        var file = new Argument<string>("FILE") { Description = "An archive written by `registry log export`" };
        var import = new Command("import", "Apply pending migrations, then load an exported log into an empty database and rebuild every read model from it; all or nothing");
        import.Arguments.Add(file);
        import.Options.Add(connection);
        import.Handle(environment, async (parse, cancellationToken) =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(file), environment.WorkingDirectory);
            if (!File.Exists(path))
            {
                throw new Api.UsageException($"FILE: {path} does not exist");
            }

            await using var dataSource = NpgsqlDataSource.Create(ConnectionString(environment, parse.GetValue(connection)));
            try
            {
                await new Migrator(dataSource).MigrateAsync(cancellationToken);
                var projections = Projections();
                await using var store = new EventStore.EventStore(dataSource, projections, new EventStoreOptions(), TimeProvider.System);
                await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                var head = await LogArchive.ImportAsync(store, input, cancellationToken);
                environment.Out.WriteLine($"imported {head.TreeSize} event(s): root {Convert.ToHexStringLower(head.RootHash)}; rebuilt {string.Join(", ", projections.Select(p => p.Name))}");
                return ExitCodes.Ok;
            }
            catch (LogArchiveException e)
            {
                environment.Error.WriteLine($"registry: nothing imported: {e.Message}");
                return ExitCodes.Rejected;
            }
        });
        return import;
    }

    private static async Task<string?> LatestOriginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT origin FROM registry.checkpoints ORDER BY id DESC LIMIT 1");
        return await command.ExecuteScalarAsync(cancellationToken) as string;
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
