using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Registry.Cli.Commands;
using Registry.Cli.Tests.Commands;

namespace Registry.Cli.Tests.EndToEnd;

public sealed class RegisterEndToEndTests(CliHost host) : IClassFixture<CliHost>, IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private string TrainingRun(string data, string numpy)
    {
        _work.Write("model/weights.bin", "weights for " + data);
        _work.Write("model/tokenizer/vocab.txt", "a\nb\n");
        _work.Write("data/train.csv", data);
        _work.Write("requirements.txt", $"numpy=={numpy}\npandas[performance]==2.1.4 ; python_version >= \"3.9\"\n");
        _work.Write("metrics.json", """{"auc": 0.84}""");
        _work.Write("params.json", """{"depth": 6, "optimizer": {"lr": 0.01}}""");
        if (!Directory.Exists(_work.Combine(".git")))
        {
            VersionRegisterTests.Git(_work.Path, "init", "-q", "-b", "main");
            VersionRegisterTests.Git(_work.Path, "remote", "add", "origin", "https://git.example.com/acme/churn.git");
        }

        VersionRegisterTests.Git(_work.Path, "add", "-A");
        VersionRegisterTests.Git(_work.Path, "commit", "-q", "--allow-empty", "-m", "training run");
        return VersionRegisterTests.Git(_work.Path, "rev-parse", "HEAD");
    }

    private async Task<JsonElement> ApiAsync(string path)
    {
        using var admin = host.CreateAdminClient();
        var response = await admin.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_version_registered_from_a_git_working_folder_is_visible_over_the_API_with_the_right_hashes()
    {
        var cli = host.Cli(_work.Path);
        var commit = TrainingRun("id,churned\n1,0\n", "1.26.4");
        var folderManifest = $"{Sha256("weights for id,churned\n1,0\n")}  weights.bin\n{Sha256("a\nb\n")}  tokenizer/vocab.txt\n";
        folderManifest = string.Join("", folderManifest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).Select(l => l + "\n"));

        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("model", "create", "churn-e2e", "--risk-tier", "low", "--owner", "team-retention", "--intended-use", "rank customers by churn risk"));
        var exit = await cli.RunAsync(
            "version", "register", "churn-e2e", "--artifact", "model", "--dataset", "training=data/train.csv:customers",
            "--requirements", "requirements.txt", "--metrics", "metrics.json", "--params", "params.json", "--notes", "first run", "--submit", "--json");

        Assert.True(exit == ExitCodes.Ok, cli.Error.ToString());
        using var printed = JsonDocument.Parse(cli.Out.ToString());
        Assert.Equal(1, printed.RootElement.GetProperty("version").GetInt32());
        Assert.Equal($"{host.Server.BaseAddress}models/churn-e2e/versions/1", printed.RootElement.GetProperty("url").GetString());

        var version = await ApiAsync("/api/v1/models/churn-e2e/versions/1");
        Assert.Equal("pending-approval", version.GetProperty("status").GetString());
        Assert.Equal(Sha256(folderManifest), version.GetProperty("artifact").GetProperty("sha256").GetString());
        var dataset = version.GetProperty("datasets")[0];
        Assert.Equal(("customers", "training", Sha256("id,churned\n1,0\n")), (dataset.GetProperty("name").GetString(), dataset.GetProperty("role").GetString(), dataset.GetProperty("sha256").GetString()));
        Assert.Equal(commit, version.GetProperty("source").GetProperty("commit").GetString());
        Assert.Equal("https://git.example.com/acme/churn.git", version.GetProperty("source").GetProperty("repository").GetString());
        var dependencies = version.GetProperty("dependencies").EnumerateArray().Select(d => $"{d.GetProperty("ecosystem").GetString()}:{d.GetProperty("name").GetString()}=={d.GetProperty("version").GetString()}");
        Assert.Equal(["pypi:numpy==1.26.4", "pypi:pandas==2.1.4"], dependencies.Order(StringComparer.Ordinal));
        Assert.Equal(0.01, version.GetProperty("parameters").GetProperty("optimizer.lr").GetDouble());
        Assert.Equal(0.84, version.GetProperty("metrics").GetProperty("auc").GetDouble());
    }

    [Fact]
    public async Task Diff_lineage_and_show_read_back_what_two_registrations_recorded()
    {
        var cli = host.Cli(_work.Path);
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("model", "create", "fraud-e2e", "--risk-tier", "medium"));
        TrainingRun("october\n", "1.26.3");
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("version", "register", "fraud-e2e", "--artifact", "model", "--dataset", "training=data/train.csv", "--deps", "requirements.txt"));
        TrainingRun("november\n", "1.26.4");
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("version", "register", "fraud-e2e", "--artifact", "model", "--dataset", "training=data/train.csv", "--deps", "requirements.txt", "--parent", "1"));

        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("diff", "fraud-e2e", "1", "2"));
        var table = cli.Out.ToString();
        Assert.Contains("training: train.csv", table, StringComparison.Ordinal);
        Assert.Contains($"sha256 {Sha256("october\n")[..12]}", table, StringComparison.Ordinal);
        Assert.Contains($"sha256 {Sha256("november\n")[..12]}", table, StringComparison.Ordinal);
        Assert.Contains("upgraded", table, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("lineage", "dataset", "data/train.csv", "--json"));
        using var usages = JsonDocument.Parse(cli.Out.ToString());
        var usage = Assert.Single(usages.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(("fraud-e2e", 2), (usage.GetProperty("model").GetString(), usage.GetProperty("version").GetInt32()));

        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("version", "show", "fraud-e2e", "2"));
        Assert.Contains("fraud-e2e version 2: registered", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains(Sha256("november\n"), cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_the_server_rejects_exits_2_with_its_problem_detail_and_records_nothing()
    {
        var cli = host.Cli(_work.Path);
        TrainingRun("x\n", "1.0.0");
        var before = await host.EventCountAsync();

        var exit = await cli.RunAsync("version", "register", "no-such-model", "--artifact", "model");

        Assert.Equal(ExitCodes.Rejected, exit);
        Assert.Contains("404", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_rollback_requested_from_the_command_line_targets_the_version_deployed_before()
    {
        var cli = host.Cli(_work.Path);
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("model", "create", "ranker-e2e", "--risk-tier", "low"));
        TrainingRun("v1\n", "1.0.0");
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("version", "register", "ranker-e2e", "--artifact", "model"));
        TrainingRun("v2\n", "1.0.1");
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("version", "register", "ranker-e2e", "--artifact", "model"));
        using (var admin = host.CreateAdminClient())
        {
            foreach (var version in new[] { 1, 2 })
            {
                var deployed = await admin.PostAsJsonAsync("/api/v1/models/ranker-e2e/deployments", new { version, environment = "staging", reference = $"CHG-{version}" });
                Assert.True(deployed.IsSuccessStatusCode, await deployed.Content.ReadAsStringAsync());
            }
        }

        var exit = await cli.RunAsync("rollback", "request", "ranker-e2e", "--environment", "staging", "--reason", "p99 latency doubled");

        Assert.True(exit == ExitCodes.Ok, cli.Error.ToString());
        Assert.Matches(@"Rollback request \S+ for ranker-e2e in staging: version 2 → 1, pending", cli.Out.ToString());
    }
}
