using System.CommandLine;
using System.Text.Json;

namespace Registry.Cli.Commands;

public static class ModelCommands
{
    public static Command Build(CliEnvironment environment)
    {
        var model = new Command("model", "Create and show models");
        model.Subcommands.Add(Create(environment));
        model.Subcommands.Add(Show(environment));
        return model;
    }

    private static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("NAME") { Description = "Lowercase letters, digits, '.', '_' and '-'" };
        var riskTier = new Option<string>("--risk-tier") { Description = "low, medium or high", Required = true };
        riskTier.AcceptOnlyFromAmong("low", "medium", "high");
        var owner = new Option<string?>("--owner") { Description = "Who answers for the model" };
        var intendedUse = new Option<string?>("--intended-use") { Description = "What the model is for" };
        var restrictions = new Option<string?>("--restrictions") { Description = "What it must not be used for" };
        var description = new Option<string?>("--description");
        var tags = new Option<string[]>("--tag") { Description = "KEY=VALUE, repeatable", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print the server's answer as JSON" };
        var command = new Command("create", "Create a model");
        command.Arguments.Add(name);
        foreach (var option in new Option[] { riskTier, owner, intendedUse, restrictions, description, tags, json })
        {
            command.Options.Add(option);
        }

        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var body = new
            {
                name = parse.GetRequiredValue(name),
                riskTier = parse.GetRequiredValue(riskTier),
                owner = parse.GetValue(owner),
                intendedUse = parse.GetValue(intendedUse),
                restrictions = parse.GetValue(restrictions),
                description = parse.GetValue(description),
                tags = KeyValues(parse.GetValue(tags) ?? [], "--tag"),
            };
            var created = await client.PostAsync("models", body, cancellationToken);
            if (parse.GetValue(json))
            {
                environment.WriteJson(created);
            }
            else
            {
                environment.Out.WriteLine($"Created model {body.name} (risk tier {body.riskTier})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliEnvironment environment)
    {
        var name = new Argument<string>("NAME");
        var command = new Command("show", "Show a model as JSON");
        command.Arguments.Add(name);
        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            environment.WriteJson(await client.GetAsync($"models/{Uri.EscapeDataString(parse.GetRequiredValue(name))}", cancellationToken));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static Dictionary<string, string>? KeyValues(IEnumerable<string> pairs, string option)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new Api.UsageException($"{option} '{pair}': expected KEY=VALUE");
            }

            result[pair[..equals]] = pair[(equals + 1)..];
        }

        return result.Count == 0 ? null : result;
    }

    internal static string Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.ToString()
            : "";
}
