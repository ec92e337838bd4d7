// `registry lineage dataset PATH_OR_SHA256`: "which models used this file?" A path is hashed
// exactly as `version register` hashes datasets, so the answer matches what was registered.
using System.CommandLine;
using System.Text.Json;
using Registry.Cli.Hashing;
using Spectre.Console;

namespace Registry.Cli.Commands;

public static class LineageCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var target = new Argument<string>("PATH_OR_SHA256") { Description = "A dataset file or folder, or its SHA-256" };
        var json = new Option<bool>("--json") { Description = "The server's answer as JSON" };
        var dataset = new Command("dataset", "Every model version that used this dataset content");
        dataset.Arguments.Add(target);
        dataset.Options.Add(json);
        dataset.Handle(environment, async (parse, cancellationToken) =>
        {
            var given = parse.GetRequiredValue(target);
            var full = Path.GetFullPath(given, environment.WorkingDirectory);
            string sha256;
            if (File.Exists(full) || Directory.Exists(full))
            {
                sha256 = (await environment.Hashing().HashAllAsync([(given, ContentHasher.Plan(full))], cancellationToken))[0].Sha256;
            }
            else if (given.Length == 64 && given.All(Uri.IsHexDigit))
            {
                sha256 = given.ToLowerInvariant();
            }
            else
            {
                throw new Api.UsageException($"'{given}' is neither a file or folder nor a SHA-256 (64 hex characters)");
            }

            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var usages = await client.GetAsync($"datasets/{sha256}/usages", cancellationToken);
            if (parse.GetValue(json))
            {
                environment.WriteJson(usages);
                return ExitCodes.Ok;
            }

            var items = (usages.ValueKind == JsonValueKind.Array ? usages : usages.TryGetProperty("items", out var i) ? i : default) is { ValueKind: JsonValueKind.Array } list
                ? list.EnumerateArray().ToList() : [];
            if (items.Count == 0)
            {
                environment.Out.WriteLine($"No registered version used the dataset {sha256}");
                return ExitCodes.Ok;
            }

            var columns = items.SelectMany(item => item.EnumerateObject().Where(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)).Select(p => p.Name))
                .Distinct().Take(7).ToList();
            var table = new Table().Title($"dataset {sha256[..12]}…: {items.Count} version(s)");
            foreach (var column in columns)
            {
                table.AddColumn(column);
            }

            foreach (var item in items)
            {
                table.AddRow(columns.Select(c => Markup.Escape(ModelCommands.Text(item, c))).ToArray());
            }

            environment.Readable().Write(table);
            return ExitCodes.Ok;
        });
        var lineage = new Command("lineage", "Where data went");
        lineage.Subcommands.Add(dataset);
        return lineage;
    }
}
