using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Registry.Cli.Commands;

namespace Registry.Cli.Tests.Commands;

public sealed class VersionRegisterTests : IDisposable
{
    private const string Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private readonly TempFolder _temp = new();
    private readonly FakeServer _server;
    private readonly CliRunner _cli;

    public VersionRegisterTests()
    {
        _server = new FakeServer((request, _) => request.RequestUri!.AbsolutePath.EndsWith("/submit", StringComparison.Ordinal)
            ? FakeServer.Json(HttpStatusCode.OK, """{"model":"churn","version":3,"status":"pending-approval"}""")
            : FakeServer.Json(HttpStatusCode.Created, """{"model":"churn","version":3,"status":"registered"}"""));
        _cli = new CliRunner(_temp.Path, _server, new() { ["REGISTRY_URL"] = "https://registry.example.com", ["REGISTRY_TOKEN"] = "t" });
    }

    public void Dispose() => _temp.Dispose();

    public static string Git(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)} failed: {process.StandardError.ReadToEnd()}");
        return output.Trim();
    }

    private string TrainingRun()
    {
        _temp.Write("model/weights.bin", "abc");
        _temp.Write("model/config.json", "{}");
        _temp.Write("data/train.csv", "abc");
        _temp.Write("requirements.txt", "numpy==1.26.4\nscikit-learn==1.3.2 --hash=sha256:" + Abc + "\n");
        _temp.Write("metrics.json", """{"auc": 0.84, "loss": {"train": 0.2, "val": 0.3}}""");
        _temp.Write("params.json", """{"epochs": 10, "optimizer": {"name": "adam", "lr": 0.001}, "early_stop": true, "layers": [64, 32]}""");
        Git(_temp.Path, "init", "-q", "-b", "main");
        Git(_temp.Path, "remote", "add", "origin", "https://ci-bot:s3cret@git.example.com/acme/churn.git");
        Git(_temp.Path, "add", "-A");
        Git(_temp.Path, "commit", "-q", "-m", "train");
        return Git(_temp.Path, "rev-parse", "HEAD");
    }

    [Fact]
    public async Task Register_sends_hashes_dependencies_metrics_parameters_and_the_git_source_and_prints_the_portal_url()
    {
        var commit = TrainingRun();

        var exit = await _cli.RunAsync(
            "version", "register", "churn", "--artifact", "model", "--dataset", "training=data/train.csv:train-2024",
            "--dataset", $"test=s3://lake/churn/test.parquet#sha256={new string('c', 64)}",
            "--requirements", "requirements.txt", "--metrics", "metrics.json", "--params", "params.json", "--notes", "retrained on November data", "--parent", "2");

        Assert.True(exit == ExitCodes.Ok, _cli.Error.ToString());
        var (request, body) = Assert.Single(_server.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://registry.example.com/api/v1/models/churn/versions", request.RequestUri?.ToString());
        Assert.True(request.Headers.Contains("Idempotency-Key"));
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var folderHash = (await Registry.Cli.Hashing.ContentHasher.HashAsync(_temp.Combine("model"), null, CancellationToken.None)).Sha256;
        Assert.Equal(folderHash, root.GetProperty("artifact").GetProperty("sha256").GetString());
        Assert.Equal(5, root.GetProperty("artifact").GetProperty("sizeBytes").GetInt64());
        Assert.StartsWith("file:///", root.GetProperty("artifact").GetProperty("uri").GetString(), StringComparison.Ordinal);
        var datasets = root.GetProperty("datasets");
        Assert.Equal("training", datasets[0].GetProperty("role").GetString());
        Assert.Equal("train-2024", datasets[0].GetProperty("name").GetString());
        Assert.Equal(Abc, datasets[0].GetProperty("sha256").GetString());
        Assert.Equal("s3://lake/churn/test.parquet", datasets[1].GetProperty("uri").GetString());
        Assert.Equal(new string('c', 64), datasets[1].GetProperty("sha256").GetString());
        Assert.Equal("test.parquet", datasets[1].GetProperty("name").GetString());
        var dependencies = root.GetProperty("dependencies");
        Assert.Equal(2, dependencies.GetArrayLength());
        Assert.Equal(Abc, dependencies[1].GetProperty("sha256").GetString());
        Assert.Equal(0.84, root.GetProperty("metrics").GetProperty("auc").GetDouble());
        Assert.Equal(0.3, root.GetProperty("metrics").GetProperty("loss.val").GetDouble());
        var parameters = root.GetProperty("parameters");
        Assert.Equal(10, parameters.GetProperty("epochs").GetInt32());
        Assert.Equal("adam", parameters.GetProperty("optimizer.name").GetString());
        Assert.True(parameters.GetProperty("early_stop").GetBoolean());
        Assert.Equal("[64,32]", parameters.GetProperty("layers").GetString());
        Assert.Equal("https://git.example.com/acme/churn.git", root.GetProperty("source").GetProperty("repository").GetString());
        Assert.Equal(commit, root.GetProperty("source").GetProperty("commit").GetString());
        Assert.Equal(2, root.GetProperty("parentVersion").GetInt32());
        Assert.Equal("retrained on November data", root.GetProperty("notes").GetString());
        Assert.Contains("Registered churn version 3 (registered)", _cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("https://registry.example.com/models/churn/versions/3", _cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_with_submit_submits_the_new_version_and_json_prints_it_for_machines()
    {
        TrainingRun();

        var exit = await _cli.RunAsync("version", "register", "churn", "--artifact", "model/weights.bin", "--deps", "requirements.txt", "--submit", "--json");

        Assert.True(exit == ExitCodes.Ok, _cli.Error.ToString());
        Assert.Equal("https://registry.example.com/api/v1/models/churn/versions/3/submit", _server.Requests[1].Request.RequestUri?.ToString());
        using var output = JsonDocument.Parse(_cli.Out.ToString());
        Assert.Equal(3, output.RootElement.GetProperty("version").GetInt32());
        Assert.Equal("pending-approval", output.RootElement.GetProperty("status").GetString());
        Assert.Equal("https://registry.example.com/models/churn/versions/3", output.RootElement.GetProperty("url").GetString());
        Assert.Equal(Abc, output.RootElement.GetProperty("artifact").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Uncommitted_changes_are_warned_about()
    {
        TrainingRun();
        _temp.Write("requirements.txt", "numpy==2.0.0\n");

        var exit = await _cli.RunAsync("version", "register", "churn", "--artifact", "model");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("uncommitted changes", _cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_dataset_is_downloaded_and_hashed_alongside_the_local_artifact_without_the_registry_token()
    {
        TrainingRun();
        var server = new FakeServer((request, _) => request.RequestUri!.Host == "data.example.com"
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("abc") }
            : FakeServer.Json(HttpStatusCode.Created, """{"model":"churn","version":3,"status":"registered"}"""));
        var cli = new CliRunner(_temp.Path, server, _cli.Variables);

        var exit = await cli.RunAsync("version", "register", "churn", "--artifact", "model/weights.bin", "--dataset", "test=https://data.example.com/sets/holdout.csv");

        Assert.True(exit == ExitCodes.Ok, cli.Error.ToString());
        var download = Assert.Single(server.Requests, r => r.Request.RequestUri!.Host == "data.example.com").Request;
        Assert.Null(download.Headers.Authorization);
        using var document = JsonDocument.Parse(Assert.Single(server.Requests, r => r.Request.Method == HttpMethod.Post).Body);
        var dataset = document.RootElement.GetProperty("datasets")[0];
        Assert.Equal("https://data.example.com/sets/holdout.csv", dataset.GetProperty("uri").GetString());
        Assert.Equal(Abc, dataset.GetProperty("sha256").GetString());
        Assert.Contains("hashed test holdout.csv (https://data.example.com/sets/holdout.csv): 3 B", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("hashed artifact (model/weights.bin): 3 B", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_dataset_the_server_refuses_exits_1_naming_it_and_nothing_is_registered()
    {
        TrainingRun();
        var server = new FakeServer((request, _) => request.RequestUri!.Host == "data.example.com"
            ? new HttpResponseMessage(HttpStatusCode.NotFound)
            : FakeServer.Json(HttpStatusCode.Created, """{"model":"churn","version":3,"status":"registered"}"""));
        var cli = new CliRunner(_temp.Path, server, _cli.Variables);

        var exit = await cli.RunAsync("version", "register", "churn", "--artifact", "model", "--dataset", "test=https://data.example.com/sets/holdout.csv");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("test holdout.csv (https://data.example.com/sets/holdout.csv): the server answered 404", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Request.Method == HttpMethod.Post);
    }

    [Theory]
    [InlineData("--requirements", "Gemfile", "Gemfile")]
    [InlineData("--dataset", "training=missing.csv", "missing.csv")]
    [InlineData("--dataset", "holdout=data/train.csv", "holdout")]
    [InlineData("--dataset", "training=s3://lake/train.parquet", "#sha256=")]
    [InlineData("--metrics", "params.json", "metrics must be numbers")]
    public async Task A_bad_input_exits_1_naming_it_before_anything_is_hashed_or_sent(string option, string value, string named)
    {
        TrainingRun();
        _temp.Write("Gemfile", "gem 'rails'\n");

        var exit = await _cli.RunAsync("version", "register", "churn", "--artifact", "model", option, value);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(named, _cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }
}
