using System.CommandLine;

namespace Registry.Cli.Commands;

public static class RollbackCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var model = new Argument<string>("MODEL");
        var environmentName = new Option<string>("--environment") { Description = "Where to roll back, e.g. production", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the log and shown to approvers)", Required = true };
        var target = new Option<int?>("--target-version") { Description = "Default: the version deployed before the current one" };
        var json = new Option<bool>("--json") { Description = "The server's answer as JSON" };
        var request = new Command("request", "Ask for a rollback; an approver approves it and a deployment carries it out");
        request.Arguments.Add(model);
        request.Options.Add(environmentName);
        request.Options.Add(reason);
        request.Options.Add(target);
        request.Options.Add(json);
        request.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var name = parse.GetRequiredValue(model);
            var created = await client.PostAsync(
                $"models/{Uri.EscapeDataString(name)}/rollback-requests",
                new { environment = parse.GetRequiredValue(environmentName), targetVersion = parse.GetValue(target), reason = parse.GetRequiredValue(reason) },
                cancellationToken);
            if (parse.GetValue(json))
            {
                environment.WriteJson(created);
            }
            else
            {
                environment.Out.WriteLine(
                    $"Rollback request {ModelCommands.Text(created, "id")} for {name} in {parse.GetRequiredValue(environmentName)}: " +
                    $"version {ModelCommands.Text(created, "fromVersion")} → {ModelCommands.Text(created, "targetVersion")}, {ModelCommands.Text(created, "status")}");
            }

            return ExitCodes.Ok;
        });
        var rollback = new Command("rollback", "Rollback requests");
        rollback.Subcommands.Add(request);
        return rollback;
    }
}
