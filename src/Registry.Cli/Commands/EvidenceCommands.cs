// Evidence out of the registry and checked without it: `evidence export` downloads a model's
// bundle (and verifies it at once), `verify` checks any bundle offline, `report` fetches the PDF dossier.
using System.CommandLine;
using Registry.Cli.Evidence;
using Registry.Cli.Hashing;

namespace Registry.Cli.Commands;

public static class EvidenceCommands
{
    public static Command BuildEvidence(CliEnvironment environment)
    {
        var model = new Argument<string>("MODEL");
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the zip (default: MODEL-evidence.zip)" };
        var noVerify = new Option<bool>("--no-verify") { Description = "Do not verify the bundle after downloading it" };
        var export = new Command("export", "Download a model's evidence bundle (events, inclusion proofs, signed checkpoint) and verify it");
        export.Arguments.Add(model);
        export.Options.Add(output);
        export.Options.Add(noVerify);
        export.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var name = parse.GetRequiredValue(model);
            var path = Path.GetFullPath(parse.GetValue(output) ?? $"{name}-evidence.zip", environment.WorkingDirectory);
            var size = await client.DownloadAsync($"models/{Uri.EscapeDataString(name)}/evidence", path, cancellationToken);
            environment.Out.WriteLine($"Wrote {path} ({HashingDisplay.Bytes(size)})");
            return parse.GetValue(noVerify) ? ExitCodes.Ok : Report(environment, BundleVerifier.Verify(path), json: false);
        });
        var evidence = new Command("evidence", "Evidence bundles");
        evidence.Subcommands.Add(export);
        return evidence;
    }

    public static Command BuildVerify(CliEnvironment environment)
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "An evidence bundle (zip)" };
        var expectKey = new Option<string?>("--expect-key") { Description = "Fail unless the checkpoint is signed by the key with this SHA-256 fingerprint (as published by the registry)" };
        var json = new Option<bool>("--json") { Description = "The verification report as JSON" };
        var verify = new Command("verify", "Verify an evidence bundle offline: every event's hash, every inclusion proof, the checkpoint signature");
        verify.Arguments.Add(bundle);
        verify.Options.Add(expectKey);
        verify.Options.Add(json);
        verify.Handle(environment, (parse, _) =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(bundle), environment.WorkingDirectory);
            if (!File.Exists(path))
            {
                throw new Api.UsageException($"{parse.GetRequiredValue(bundle)}: no such file");
            }

            return Task.FromResult(Report(environment, BundleVerifier.Verify(path, parse.GetValue(expectKey)), parse.GetValue(json)));
        });
        return verify;
    }

    public static Command BuildReport(CliEnvironment environment)
    {
        var model = new Argument<string>("MODEL");
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the PDF (default: MODEL-dossier.pdf)" };
        var report = new Command("report", "Download the model dossier (PDF)");
        report.Arguments.Add(model);
        report.Options.Add(output);
        report.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var name = parse.GetRequiredValue(model);
            var path = Path.GetFullPath(parse.GetValue(output) ?? $"{name}-dossier.pdf", environment.WorkingDirectory);
            var size = await client.DownloadAsync($"models/{Uri.EscapeDataString(name)}/report.pdf", path, cancellationToken);
            environment.Out.WriteLine($"Wrote {path} ({HashingDisplay.Bytes(size)})");
            return ExitCodes.Ok;
        });
        return report;
    }

    private static int Report(CliEnvironment environment, VerificationReport report, bool json)
    {
        if (json)
        {
            environment.WriteJson(new
            {
                ok = report.Ok,
                origin = report.Origin,
                treeSize = report.TreeSize,
                rootHash = report.RootHash,
                scope = report.Scope,
                keyFingerprint = report.KeyFingerprint,
                eventsChecked = report.EventsChecked,
                failures = report.Failures.Select(f => new { position = f.Position, message = f.Message }),
            });
        }
        else
        {
            var o = environment.Out;
            o.WriteLine($"Log        {report.Origin}, tree size {report.TreeSize}, root {report.RootHash}");
            o.WriteLine($"Signed by  key SHA-256 {report.KeyFingerprint ?? "(unreadable)"}");
            o.WriteLine("           compare it with the fingerprint the registry publishes; a bundle proves nothing about a key you do not trust");
            if (report.Ok)
            {
                o.WriteLine($"OK         {report.EventsChecked} event(s): every leaf hash, inclusion proof and the checkpoint signature check out");
            }
        }

        foreach (var failure in report.Failures)
        {
            environment.Error.WriteLine($"FAILED: {failure}");
        }

        return report.Ok ? ExitCodes.Ok : ExitCodes.VerificationFailed;
    }
}
