// `registry diff MODEL A B`: the server's diff (datasets, dependencies, parameters, metrics, each
// with added, removed and changed) as one table a reviewer can read top to bottom.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Registry.Cli.Commands;

public static class DiffCommand
{
    private static readonly string[] Sections = ["datasets", "dependencies", "parameters", "metrics"];

    public static Command Build(CliEnvironment environment)
    {
        var model = new Argument<string>("MODEL");
        var from = new Argument<int>("A") { Description = "The older version" };
        var to = new Argument<int>("B") { Description = "The newer version" };
        var json = new Option<bool>("--json") { Description = "The server's diff as JSON" };
        var command = new Command("diff", "What changed between two versions of a model");
        command.Arguments.Add(model);
        command.Arguments.Add(from);
        command.Arguments.Add(to);
        command.Options.Add(json);
        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var name = parse.GetRequiredValue(model);
            var a = parse.GetRequiredValue(from);
            var b = parse.GetRequiredValue(to);
            var diff = await client.GetAsync($"models/{Uri.EscapeDataString(name)}/diff?from={a}&to={b}", cancellationToken);
            if (parse.GetValue(json))
            {
                environment.WriteJson(diff);
                return ExitCodes.Ok;
            }

            var rows = Rows(diff).ToList();
            if (rows.Count == 0)
            {
                environment.Out.WriteLine($"{name}: versions {a} and {b} have the same datasets, dependencies, parameters and metrics");
                return ExitCodes.Ok;
            }

            var table = new Table().Title($"{Markup.Escape(name)}: version {a} → {b}")
                .AddColumn("what").AddColumn("change").AddColumn("name").AddColumn($"v{a}").AddColumn($"v{b}");
            foreach (var row in rows)
            {
                table.AddRow(row.Select(Markup.Escape).ToArray());
            }

            environment.Readable().Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One row per difference: section, change, name, old value, new value.</summary>
    public static IEnumerable<string[]> Rows(JsonElement diff)
    {
        foreach (var section in Sections)
        {
            if (!diff.TryGetProperty(section, out var changes) || changes.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var item in Items(changes, "removed"))
            {
                yield return [section, "removed", Label(item), Value(item), ""];
            }

            foreach (var item in Items(changes, "added"))
            {
                yield return [section, "added", Label(item), "", Value(item)];
            }

            foreach (var item in Items(changes, "changed"))
            {
                var kind = ModelCommands.Text(item, "change");
                var (old, @new) = item.TryGetProperty("fromVersion", out _)
                    ? (ModelCommands.Text(item, "fromVersion"), ModelCommands.Text(item, "toVersion"))
                    : (Value(item.TryGetProperty("from", out var f) ? f : default), Value(item.TryGetProperty("to", out var t) ? t : default));
                if (item.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Number)
                {
                    @new += string.Create(CultureInfo.InvariantCulture, $" ({delta.GetDouble():+0.####;-0.####;0})");
                }

                yield return [section, kind.Length > 0 ? kind : "changed", Label(item), old, @new];
            }
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement changes, string kind) =>
        changes.TryGetProperty(kind, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [];

    private static string Label(JsonElement item)
    {
        var name = ModelCommands.Text(item, "name");
        var qualifier = ModelCommands.Text(item, "role") is { Length: > 0 } role ? role : ModelCommands.Text(item, "ecosystem");
        return qualifier.Length > 0 ? $"{qualifier}: {name}" : name;
    }

    /// <summary>What to show of a value: a dataset by its short hash, a dependency by its version, a parameter or metric as itself.</summary>
    private static string Value(JsonElement item) => item.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => "",
        JsonValueKind.String => item.GetString() ?? "",
        JsonValueKind.Object when item.TryGetProperty("value", out var value) => Value(value),
        JsonValueKind.Object when item.TryGetProperty("version", out var version) => Value(version) + (item.TryGetProperty("sha256", out var s) && s.ValueKind == JsonValueKind.String ? $" ({s.GetString()![..Math.Min(12, s.GetString()!.Length)]})" : ""),
        JsonValueKind.Object when item.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String => "sha256 " + sha.GetString()![..Math.Min(12, sha.GetString()!.Length)],
        _ => item.GetRawText(),
    };
}
