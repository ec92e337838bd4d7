using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Registry.Cli.Commands;
using Registry.Cli.Evidence;
using Registry.Cli.Tests.Commands;

namespace Registry.Cli.Tests.EndToEnd;

public sealed class EvidenceEndToEndTests(CliHost host) : IClassFixture<CliHost>, IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    private async Task<CliRunner> ModelWithTwoVersionsAsync(string model)
    {
        var cli = host.Cli(_work.Path);
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("model", "create", model, "--risk-tier", "low", "--intended-use", "évaluer le risque"));
        foreach (var run in new[] { "first", "second" })
        {
            _work.Write("model.onnx", run);
            Assert.Equal(ExitCodes.Ok, await cli.RunAsync("version", "register", model, "--artifact", "model.onnx", "--no-git", "--notes", run));
        }

        return cli;
    }

    [Fact]
    public async Task A_bundle_exported_from_the_host_verifies_offline_and_a_tampered_copy_fails_naming_the_event()
    {
        var cli = await ModelWithTwoVersionsAsync("evidence-e2e");

        var exit = await cli.RunAsync("evidence", "export", "evidence-e2e", "-o", "bundle.zip");

        Assert.True(exit == ExitCodes.Ok, cli.Out.ToString() + cli.Error.ToString());
        Assert.Contains("OK         3 event(s)", cli.Out.ToString(), StringComparison.Ordinal);
        using var hostKey = ECDsa.Create();
        hostKey.ImportFromPem(File.ReadAllText(host.Services.GetRequiredService<IConfiguration>()["Registry:SigningKeyPath"]!));
        var fingerprint = BundleVerifier.Fingerprint(hostKey);
        Assert.Contains($"Signed by  key SHA-256 {fingerprint}", cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, await cli.RunAsync("verify", "bundle.zip", "--expect-key", fingerprint));

        // Change one character of the second event's notes ("first" → "firsT") inside the zip.
        using (var archive = ZipFile.Open(_work.Combine("bundle.zip"), ZipArchiveMode.Update))
        {
            var entry = archive.Entries.Single(e => e.Name == "events.jsonl");
            string text;
            using (var reader = new StreamReader(entry.Open(), Encoding.UTF8))
            {
                text = reader.ReadToEnd();
            }

            entry.Delete();
            using var writer = new StreamWriter(archive.CreateEntry("events.jsonl").Open(), new UTF8Encoding(false));
            writer.Write(text.Replace("\"first\"", "\"firsT\"", StringComparison.Ordinal));
        }

        Assert.Equal(ExitCodes.VerificationFailed, await cli.RunAsync("verify", "bundle.zip"));
        Assert.Matches(@"FAILED: event at position \d+: its bytes hash to leaf", cli.Error.ToString());
    }

    [Fact]
    public async Task The_dossier_is_downloaded_as_a_pdf()
    {
        var cli = await ModelWithTwoVersionsAsync("dossier-e2e");

        var exit = await cli.RunAsync("report", "dossier-e2e", "-o", "reports/dossier.pdf");

        Assert.True(exit == ExitCodes.Ok, cli.Error.ToString());
        var pdf = File.ReadAllBytes(_work.Combine("reports/dossier.pdf"));
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
    }
}
