using System.CommandLine;
using Registry.Cli.Hashing;

namespace Registry.Cli.Commands;

public static class HashCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Files or folders", Arity = ArgumentArity.OneOrMore };
        var manifest = new Option<bool>("--manifest") { Description = "For a folder, print the manifest whose SHA-256 is its hash (docs/hashing.md)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("hash", "Print the SHA-256 of files and folders exactly as `version register` computes them");
        command.Arguments.Add(paths);
        command.Options.Add(manifest);
        command.Options.Add(json);
        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var plans = parse.GetRequiredValue(paths).Select(p => (Label: p, Plan: ContentHasher.Plan(Path.GetFullPath(p, environment.WorkingDirectory)))).ToList();
            if (parse.GetValue(manifest))
            {
                foreach (var (label, plan) in plans)
                {
                    var entries = plan.IsFolder
                        ? await FolderHasher.HashFilesAsync(plan.Files, null, cancellationToken)
                        : throw new Api.UsageException($"{label} is a file; --manifest applies to folders");
                    environment.Out.Write(FolderHasher.Manifest(entries));
                }

                return ExitCodes.Ok;
            }

            var hashes = await environment.Hashing().HashAllAsync(plans, cancellationToken);
            if (parse.GetValue(json))
            {
                environment.WriteJson(plans.Zip(hashes, (p, h) => new { path = p.Label, sha256 = h.Sha256, sizeBytes = h.SizeBytes, files = h.FileCount, folder = h.IsFolder }));
            }
            else
            {
                foreach (var (plan, hash) in plans.Zip(hashes))
                {
                    environment.Out.WriteLine($"{hash.Sha256}  {plan.Label}{(hash.IsFolder ? "/" : "")}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
