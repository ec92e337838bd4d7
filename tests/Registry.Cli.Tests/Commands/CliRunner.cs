using System.Net;
using System.Text;
using Registry.Cli.Commands;

namespace Registry.Cli.Tests.Commands;

/// <summary>Runs the real command line with captured output, a private config file and a given HTTP stack.</summary>
public sealed class CliRunner(string workingDirectory, HttpMessageHandler? handler, Dictionary<string, string>? variables = null)
{
    public StringWriter Out { get; private set; } = new();

    public StringWriter Error { get; private set; } = new();

    public string ConfigPath { get; } = Path.Combine(workingDirectory, ".config", "registry", "config.json");

    public Dictionary<string, string> Variables { get; } = variables ?? [];

    public async Task<int> RunAsync(params string[] args)
    {
        Out = new StringWriter();
        Error = new StringWriter();
        var environment = new CliEnvironment
        {
            Out = Out,
            Error = Error,
            Variables = name => Variables.GetValueOrDefault(name),
            WorkingDirectory = workingDirectory,
            ConfigPath = ConfigPath,
            Handler = handler,
            RetryDelays = [TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)],
        };
        return await RegistryCli.RunAsync(args, environment);
    }
}

/// <summary>A stand-in server: answers with a function and records every request with its body.</summary>
public sealed class FakeServer(Func<HttpRequestMessage, string, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request, body));
        }

        return answer(request, body);
    }
}
