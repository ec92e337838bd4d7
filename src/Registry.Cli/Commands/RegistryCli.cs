// The `registry` command line: builds the command tree and maps what can go wrong to the exit
// codes of the contract (0 ok, 1 usage, 2 rejected by the server, 3 server unavailable,
// 4 verification failed), printing one clear line instead of a stack trace.
using System.CommandLine;
using Npgsql;
using Registry.Cli.Api;
using Registry.Cli.Dependencies;
using Registry.Cli.Hashing;
using Registry.EventStore.Migrations;

namespace Registry.Cli.Commands;

public static class RegistryCli
{
    public static readonly Option<string?> UrlOption = new("--url")
    {
        Description = $"The registry's base URL (default: ${CliSettings.UrlVariable}, then the one saved by `registry login`)",
        Recursive = true,
    };

    public static readonly Option<string?> TokenOption = new("--token")
    {
        Description = $"An API token (default: ${CliSettings.TokenVariable}, then the one saved by `registry login`)",
        Recursive = true,
    };

    public static RootCommand Build(CliEnvironment environment)
    {
        var root = new RootCommand("registry: register, compare and verify machine-learning models in the Registry");
        root.Options.Add(UrlOption);
        root.Options.Add(TokenOption);
        root.Subcommands.Add(LoginCommand.Build(environment));
        root.Subcommands.Add(HashCommand.Build(environment));
        root.Subcommands.Add(ModelCommands.Build(environment));
        root.Subcommands.Add(VersionCommands.Build(environment));
        root.Subcommands.Add(DiffCommand.Build(environment));
        root.Subcommands.Add(LineageCommand.Build(environment));
        root.Subcommands.Add(RollbackCommand.Build(environment));
        root.Subcommands.Add(EvidenceCommands.BuildEvidence(environment));
        root.Subcommands.Add(EvidenceCommands.BuildVerify(environment));
        root.Subcommands.Add(EvidenceCommands.BuildReport(environment));
        root.Subcommands.Add(DatabaseCommands.BuildMigrate(environment));
        root.Subcommands.Add(DatabaseCommands.BuildProjections(environment));
        root.Subcommands.Add(DatabaseCommands.BuildLog(environment));
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default) =>
        Build(environment).Parse(args).InvokeAsync(new InvocationConfiguration { Output = environment.Out, Error = environment.Error }, cancellationToken);

    /// <summary>Sets a command's action, translating failures into exit codes.</summary>
    public static void Handle(this Command command, CliEnvironment environment, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (ApiRejectedException e)
            {
                environment.Error.WriteLine($"registry: rejected by the server: {e.Problem}");
                return ExitCodes.Rejected;
            }
            catch (ApiUnavailableException e)
            {
                environment.Error.WriteLine($"registry: server unavailable: {e.Message}");
                return ExitCodes.Unavailable;
            }
            catch (MigrationException e)
            {
                environment.Error.WriteLine($"registry: {e.Message}");
                return ExitCodes.Rejected;
            }
            catch (NpgsqlException e)
            {
                // Commands that work on the database directly (migrate, projections, log): it did not answer.
                environment.Error.WriteLine($"registry: cannot reach the database: {e.Message}");
                return ExitCodes.Unavailable;
            }
            catch (Exception e) when (e is UsageException or HashingException or DependencyFileException)
            {
                environment.Error.WriteLine($"registry: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                environment.Error.WriteLine($"registry: {e.Message}");
                return ExitCodes.Usage;
            }
        });
}
