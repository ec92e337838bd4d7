using System.Net;
using System.Text.Json;
using Registry.Cli.Commands;

namespace Registry.Cli.Tests.Commands;

public sealed class ClientBehaviourTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Login_checks_the_token_and_saves_it_in_a_file_only_the_user_can_read()
    {
        var server = new FakeServer((_, _) => FakeServer.Json(HttpStatusCode.OK, """{"items":[],"total":0}"""));
        var cli = new CliRunner(_temp.Path, server);

        var exit = await cli.RunAsync("login", "--url", "https://registry.example.com/", "--token", "rt_secret");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("Bearer rt_secret", server.Requests[0].Request.Headers.Authorization?.ToString());
        Assert.Equal("https://registry.example.com/api/v1/models?pageSize=1", server.Requests[0].Request.RequestUri?.ToString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigPath));
        }

        using var saved = JsonDocument.Parse(File.ReadAllText(cli.ConfigPath));
        Assert.Equal("rt_secret", saved.RootElement.GetProperty("token").GetString());
        Assert.Equal("https://registry.example.com/", saved.RootElement.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Login_with_a_rejected_token_exits_2_and_saves_nothing()
    {
        var server = new FakeServer((_, _) => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        var cli = new CliRunner(_temp.Path, server);

        var exit = await cli.RunAsync("login", "--url", "https://registry.example.com", "--token", "wrong");

        Assert.Equal(ExitCodes.Rejected, exit);
        Assert.Contains("401", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("token was not accepted", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(cli.ConfigPath));
    }

    [Fact]
    public async Task Environment_variables_take_precedence_over_the_saved_login()
    {
        var server = new FakeServer((_, _) => FakeServer.Json(HttpStatusCode.OK, """{"items":[],"total":0}"""));
        var cli = new CliRunner(_temp.Path, server);
        await cli.RunAsync("login", "--url", "https://saved.example.com", "--token", "saved-token");
        cli.Variables["REGISTRY_URL"] = "https://ci.example.com/registry";
        cli.Variables["REGISTRY_TOKEN"] = "ci-token";

        await cli.RunAsync("model", "show", "churn");

        var request = server.Requests[^1].Request;
        Assert.Equal("https://ci.example.com/registry/api/v1/models/churn", request.RequestUri?.ToString());
        Assert.Equal("Bearer ci-token", request.Headers.Authorization?.ToString());
    }

    [Fact]
    public async Task Without_a_login_a_command_exits_1_saying_how_to_log_in()
    {
        var cli = new CliRunner(_temp.Path, new FakeServer((_, _) => throw new InvalidOperationException("no request expected")));

        var exit = await cli.RunAsync("model", "show", "churn");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("registry login", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_server_is_retried_with_the_same_idempotency_key_then_exit_3()
    {
        var server = new FakeServer((_, _) => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var cli = new CliRunner(_temp.Path, server, new() { ["REGISTRY_URL"] = "http://registry.test", ["REGISTRY_TOKEN"] = "t" });

        var exit = await cli.RunAsync("rollback", "request", "churn", "--environment", "production", "--reason", "drift");

        Assert.Equal(ExitCodes.Unavailable, exit);
        Assert.Equal(3, server.Requests.Count);
        Assert.Single(server.Requests.Select(r => string.Join(",", r.Request.Headers.GetValues("Idempotency-Key"))).Distinct());
        Assert.Contains("after 3 attempts", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_then_exits_3_naming_the_address()
    {
        // A port that was just free and is closed again: connecting to it is refused at once.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var cli = new CliRunner(_temp.Path, handler: null, new() { ["REGISTRY_URL"] = $"http://127.0.0.1:{port}", ["REGISTRY_TOKEN"] = "t" });

        var exit = await cli.RunAsync("version", "show", "churn", "3");

        Assert.Equal(ExitCodes.Unavailable, exit);
        var error = cli.Error.ToString();
        Assert.Contains($"GET http://127.0.0.1:{port}/api/v1/models/churn/versions/3", error, StringComparison.Ordinal);
        Assert.Contains("refused", error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("after 3 attempts", error, StringComparison.Ordinal);
        Assert.Empty(cli.Out.ToString());
    }

    [Fact]
    public async Task A_server_that_recovers_during_the_retries_succeeds()
    {
        var calls = 0;
        var server = new FakeServer((_, _) => ++calls < 3
            ? new HttpResponseMessage(HttpStatusCode.BadGateway)
            : FakeServer.Json(HttpStatusCode.Created, """{"id":"rb-1","status":"pending","fromVersion":4,"targetVersion":3}"""));
        var cli = new CliRunner(_temp.Path, server, new() { ["REGISTRY_URL"] = "http://registry.test", ["REGISTRY_TOKEN"] = "t" });

        var exit = await cli.RunAsync("rollback", "request", "churn", "--environment", "production", "--reason", "drift");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Rollback request rb-1 for churn in production: version 4 → 3, pending", cli.Out.ToString(), StringComparison.Ordinal);
        using var body = JsonDocument.Parse(server.Requests[^1].Body);
        Assert.Equal("drift", body.RootElement.GetProperty("reason").GetString());
        Assert.Equal("production", body.RootElement.GetProperty("environment").GetString());
    }

    [Fact]
    public async Task A_rejection_prints_the_problem_detail_and_exits_2_without_retrying()
    {
        var server = new FakeServer((_, _) => FakeServer.Json(HttpStatusCode.Conflict,
            """{"type":"https://registry/problems/conflict","title":"Conflict","status":409,"detail":"a model named 'churn' already exists"}""",
            "application/problem+json"));
        var cli = new CliRunner(_temp.Path, server, new() { ["REGISTRY_URL"] = "http://registry.test", ["REGISTRY_TOKEN"] = "t" });

        var exit = await cli.RunAsync("model", "create", "churn", "--risk-tier", "high");

        Assert.Equal(ExitCodes.Rejected, exit);
        Assert.Single(server.Requests);
        Assert.Contains("409 Conflict: a model named 'churn' already exists", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_usage_error_exits_1()
    {
        var cli = new CliRunner(_temp.Path, null);

        Assert.Equal(ExitCodes.Usage, await cli.RunAsync("model", "create", "churn", "--risk-tier", "extreme"));
        Assert.Equal(ExitCodes.Usage, await cli.RunAsync("no-such-command"));
    }

    [Fact]
    public async Task Diff_prints_one_row_per_change_and_json_on_request()
    {
        const string diff = """
            {"from":1,"to":2,
             "datasets":{"added":[],"removed":[],"changed":[{"role":"training","name":"train.parquet","from":{"name":"train.parquet","role":"training","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"to":{"name":"train.parquet","role":"training","sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}]},
             "dependencies":{"added":[{"ecosystem":"pypi","name":"shap","version":"0.44.0"}],"removed":[],"changed":[{"ecosystem":"pypi","name":"numpy","fromVersion":"1.26.3","toVersion":"1.26.4","change":"upgraded"}]},
             "parameters":{"added":[],"removed":[{"name":"dropout","value":0.2}],"changed":[]},
             "metrics":{"added":[],"removed":[],"changed":[{"name":"auc","from":0.81,"to":0.84,"delta":0.03}]},
             "notes":[]}
            """;
        var server = new FakeServer((_, _) => FakeServer.Json(HttpStatusCode.OK, diff));
        var cli = new CliRunner(_temp.Path, server, new() { ["REGISTRY_URL"] = "http://registry.test", ["REGISTRY_TOKEN"] = "t" });

        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("diff", "churn", "1", "2"));
        var table = cli.Out.ToString();

        Assert.Equal("http://registry.test/api/v1/models/churn/diff?from=1&to=2", server.Requests[0].Request.RequestUri?.ToString());
        Assert.Contains("sha256 aaaaaaaaaaaa", table, StringComparison.Ordinal);
        Assert.Contains("sha256 bbbbbbbbbbbb", table, StringComparison.Ordinal);
        Assert.Contains("upgraded", table, StringComparison.Ordinal);
        Assert.Contains("1.26.3", table, StringComparison.Ordinal);
        Assert.Contains("pypi: shap", table, StringComparison.Ordinal);
        Assert.Contains("dropout", table, StringComparison.Ordinal);
        Assert.Contains("0.84 (+0.03)", table, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("diff", "churn", "1", "2", "--json"));
        using var parsed = JsonDocument.Parse(cli.Out.ToString());
        Assert.Equal("upgraded", parsed.RootElement.GetProperty("dependencies").GetProperty("changed")[0].GetProperty("change").GetString());
    }

    [Fact]
    public async Task Lineage_of_a_local_file_asks_for_its_hash()
    {
        var server = new FakeServer((_, _) => FakeServer.Json(HttpStatusCode.OK, """{"items":[{"model":"churn","version":2,"role":"training","name":"train.csv"}],"total":1}"""));
        var cli = new CliRunner(_temp.Path, server, new() { ["REGISTRY_URL"] = "http://registry.test", ["REGISTRY_TOKEN"] = "t" });
        _temp.Write("train.csv", "abc");

        var exit = await cli.RunAsync("lineage", "dataset", "train.csv");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("http://registry.test/api/v1/datasets/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/usages", server.Requests[0].Request.RequestUri?.ToString());
        Assert.Contains("churn", cli.Out.ToString(), StringComparison.Ordinal);
    }
}
