// Everything a command needs from outside the process, in one place, so tests run the real
// command line against a test server (HttpMessageHandler), a temporary config file and captured output.
using System.Text.Json;
using Registry.Cli.Api;
using Registry.Cli.Hashing;
using Spectre.Console;

namespace Registry.Cli.Commands;

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int Rejected = 2;
    public const int Unavailable = 3;
    public const int VerificationFailed = 4;
}

public sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<string, string?> Variables { get; init; }

    public required string WorkingDirectory { get; init; }

    public required string ConfigPath { get; init; }

    /// <summary>Where progress bars go, when stderr is a terminal; null means plain lines.</summary>
    public IAnsiConsole? ProgressTerminal { get; init; }

    /// <summary>The HTTP stack to use (a test server's handler in tests); null for the real network.</summary>
    public HttpMessageHandler? Handler { get; init; }

    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = RegistryClient.DefaultRetryDelays;

    public CliSettings Settings => new(ConfigPath, Variables);

    /// <summary>The real process: console streams, environment variables, the user's config folder.</summary>
    public static CliEnvironment FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Variables = Environment.GetEnvironmentVariable,
        WorkingDirectory = Directory.GetCurrentDirectory(),
        ConfigPath = CliSettings.DefaultConfigPath(Environment.GetEnvironmentVariable),
        ProgressTerminal = Console.IsErrorRedirected ? null : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }),
    };

    public RegistryClient Client(string? url, string? token) => RegistryClient.Create(Settings.Resolve(url, token), Handler, RetryDelays);

    public HashingDisplay Hashing() => new(ProgressTerminal, Error);

    /// <summary>Tables and other readable output: ANSI and the terminal's width when stdout is a terminal, else plain and wide enough not to wrap.</summary>
    public IAnsiConsole Readable()
    {
        var terminal = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 160;
        }

        return console;
    }

    public void WriteJson(object value) => Out.WriteLine(JsonSerializer.Serialize(value, Json.Indented));
}
