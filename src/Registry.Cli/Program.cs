using Registry.Cli.Commands;

return await RegistryCli.RunAsync(args, CliEnvironment.FromProcess());
