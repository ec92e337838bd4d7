using System.CommandLine;
using Registry.Cli.Api;

namespace Registry.Cli.Commands;

public static class LoginCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var url = new Option<string>("--url") { Description = "The registry's base URL, e.g. https://registry.example.com", Required = true };
        var token = new Option<string>("--token") { Description = "A personal access token (create one in the portal)", Required = true };
        var command = new Command("login", "Check a token against the registry and save it (with the URL) in your config file, readable by you alone");
        command.Options.Add(url);
        command.Options.Add(token);
        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var baseUrl = CliSettings.ParseUrl(parse.GetRequiredValue(url));
            var login = new StoredLogin(baseUrl.ToString(), parse.GetRequiredValue(token));
            // A wrong token is found now, not in the middle of a CI job.
            var client = RegistryClient.Create(new RegistryConnection(baseUrl, login.Token), environment.Handler, environment.RetryDelays);
            await client.GetAsync("models?pageSize=1", cancellationToken);
            environment.Settings.Save(login);
            environment.Out.WriteLine($"Logged in to {baseUrl}; saved in {environment.ConfigPath}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
