using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Web.Features.Evidence;

namespace Registry.Web.Tests.Evidence;

public sealed class EvidenceBundleTests : IAsyncLifetime
{
    private EvidenceLog _log = null!;
    private readonly List<long> _churn = [];
    private readonly List<long> _other = [];

    public async Task InitializeAsync()
    {
        _log = await EvidenceLog.CreateAsync();
        for (var i = 1; i <= 6; i++)
        {
            _churn.Add((await _log.AppendAsync("model-churn", "VersionRegistered", new JsonObject { ["model"] = "churn", ["version"] = i, ["note"] = "Zoë Ångström-Łukasz \"quoted\" \\ back" })).Position);
            _other.Add((await _log.AppendAsync("model-fraud", "VersionRegistered", new JsonObject { ["model"] = "fraud", ["version"] = i })).Position);
        }

        _churn.Add((await _log.AppendAsync("model-churn", "RollbackRequested", new JsonObject { ["id"] = "7f3a", ["environment"] = "production" }, "bob")).Position);
        _other.Add((await _log.AppendAsync("user-carol", "UserCreated", new JsonObject { ["username"] = "carol" }, "admin")).Position);
        await _log.SignCheckpointAsync();
    }

    [Fact]
    public async Task A_model_bundle_holds_exactly_the_models_events_with_their_exact_bytes_and_verifies()
    {
        var zip = await _log.ExportAsync(new EvidenceScope.Model("churn"));

        var verdict = BundleVerifier.Verify(zip);
        var cli = RegistryVerify(zip);

        Assert.True(verdict.Ok, verdict.Failure);
        Assert.Equal(_log.KeyFingerprint, verdict.KeyFingerprint);
        Assert.Equal(_churn.Count, verdict.Events);
        Assert.True(cli.Ok, string.Join("; ", cli.Failures));
        Assert.Equal(_churn.Count, cli.EventsChecked);
        Assert.Equal(_log.KeyFingerprint, cli.KeyFingerprint);
        var stored = await _log.Store.ReadAllAsync(0, 1000);
        var expected = stored.Where(e => _churn.Contains(e.Position)).SelectMany(e => e.Envelope.Append((byte)'\n')).ToArray();
        Assert.Equal(expected, BundleTampering.File(zip, "events.jsonl"));
        using var manifest = JsonDocument.Parse(BundleTampering.File(zip, "manifest.json"));
        Assert.Equal("registry-evidence/v1", manifest.RootElement.GetProperty("format").GetString());
        Assert.Equal("model:churn", manifest.RootElement.GetProperty("scope").GetString());
        Assert.Equal(EvidenceLog.Origin, manifest.RootElement.GetProperty("origin").GetString());
        Assert.Equal(stored.Count, manifest.RootElement.GetProperty("treeSize").GetInt64());
    }

    [Fact]
    public async Task The_bundles_proofs_are_the_event_stores_own_inclusion_proofs()
    {
        var zip = await _log.ExportAsync(new EvidenceScope.Model("churn"));
        var size = (await _log.Store.GetHeadAsync()).TreeSize;

        var lines = Encoding.UTF8.GetString(BundleTampering.File(zip, "proofs.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(_churn.Count, lines.Length);
        foreach (var line in lines)
        {
            using var proof = JsonDocument.Parse(line);
            var position = proof.RootElement.GetProperty("position").GetInt64();
            var expected = await _log.Store.GetInclusionProofAsync(position, size);
            Assert.Equal(expected.Path.Select(Convert.ToHexStringLower), proof.RootElement.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal(Convert.ToHexStringLower(expected.LeafHash), proof.RootElement.GetProperty("leafHash").GetString());
        }
    }

    [Fact]
    public async Task A_period_bundle_holds_every_event_recorded_in_the_period_and_verifies()
    {
        var all = await _log.Store.ReadAllAsync(0, 1000);
        var from = all[3].RecordedAt;
        var to = all[9].RecordedAt;

        var zip = await _log.ExportAsync(new EvidenceScope.Period(from, to));

        var verdict = BundleVerifier.Verify(zip);
        Assert.True(verdict.Ok, verdict.Failure);
        Assert.Equal(6, verdict.Events);
        var first = Encoding.UTF8.GetString(BundleTampering.File(zip, "events.jsonl")).Split('\n')[0];
        Assert.Contains("\"position\":4,", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_appended_after_the_checkpoint_are_left_out_until_a_checkpoint_covers_them()
    {
        await _log.AppendAsync("model-churn", "ModelUpdated", new JsonObject { ["model"] = "churn" });

        var before = BundleVerifier.Verify(await _log.ExportAsync(new EvidenceScope.Model("churn")));
        await _log.SignCheckpointAsync();
        var after = BundleVerifier.Verify(await _log.ExportAsync(new EvidenceScope.Model("churn")));

        Assert.Equal(_churn.Count, before.Events);
        Assert.Equal(_churn.Count + 1, after.Events);
        Assert.True(after.Ok, after.Failure);
    }

    public static TheoryData<string> Tamperings => ["an event byte", "a proof element", "the root", "the signature", "the order"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task A_tampered_bundle_fails_verification(string tampering)
    {
        var zip = await _log.ExportAsync(new EvidenceScope.Model("churn"));
        Assert.True(BundleVerifier.Verify(zip).Ok);

        var tampered = Tamper(zip, tampering);

        var verdict = BundleVerifier.Verify(tampered);
        var cli = RegistryVerify(tampered);
        Assert.False(verdict.Ok, $"{tampering} was not detected");
        Assert.False(cli.Ok, $"{tampering} was not detected by registry verify");
        Assert.False(HandVerification(tampered).Ok, $"{tampering} was not detected by README.txt's script");
    }

    [Fact]
    public async Task A_bundle_re_signed_with_another_key_verifies_only_under_that_keys_fingerprint()
    {
        var zip = await _log.ExportAsync(new EvidenceScope.Model("churn"));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = BundleTampering.File(zip, "checkpoint.txt");

        var resigned = BundleTampering.Rewrite(zip, (name, bytes) => name switch
        {
            "checkpoint.sig" => stranger.SignData(body, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            "public-key.pem" => Encoding.ASCII.GetBytes(stranger.ExportSubjectPublicKeyInfoPem() + "\n"),
            _ => bytes,
        });

        var verdict = BundleVerifier.Verify(resigned);
        var cli = RegistryVerify(resigned, expectedKeyFingerprint: _log.KeyFingerprint);
        Assert.True(verdict.Ok);
        Assert.False(cli.Ok, "registry verify accepted a bundle signed by a key other than the expected one");
        Assert.Equal(verdict.KeyFingerprint, cli.KeyFingerprint);
        Assert.NotEqual(_log.KeyFingerprint, verdict.KeyFingerprint);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stranger.ExportSubjectPublicKeyInfo())), verdict.KeyFingerprint);
    }

    [Fact]
    public async Task The_readme_explains_verification_by_hand_and_its_script_verifies_the_bundle()
    {
        var zip = await _log.ExportAsync(new EvidenceScope.Model("churn"));

        var readme = Encoding.UTF8.GetString(BundleTampering.File(zip, "README.txt"));
        var result = HandVerification(zip);

        Assert.Contains("registry verify", readme, StringComparison.Ordinal);
        Assert.Contains("openssl dgst -sha256 -verify public-key.pem -signature checkpoint.sig checkpoint.txt", readme, StringComparison.Ordinal);
        Assert.Contains(_log.KeyFingerprint, readme, StringComparison.Ordinal);
        Assert.True(result.Ok, result.Output);
        Assert.Contains($"signing key SHA-256: {_log.KeyFingerprint}", result.Output, StringComparison.Ordinal);
        Assert.Equal(_churn.Count, result.Output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task No_bundle_is_made_without_a_checkpoint()
    {
        var (plan, refusal) = await _log.Bundle.PrepareAsync(new EvidenceScope.Model("churn"), checkpoint: null, CancellationToken.None);

        Assert.Null(plan);
        Assert.Equal(409, refusal!.Status);
    }

    [Fact]
    public async Task No_bundle_is_made_when_the_stored_leaf_hashes_no_longer_give_the_signed_root()
    {
        await _log.TamperAsync("UPDATE registry.events SET leaf_hash = sha256(leaf_hash) WHERE position = 2");

        var checkpoint = await SignedCheckpoint.LatestAsync(_log.DataSource, CancellationToken.None);
        var (plan, refusal) = await _log.Bundle.PrepareAsync(new EvidenceScope.Model("churn"), checkpoint, CancellationToken.None);

        Assert.Null(plan);
        Assert.Equal("The log does not match its checkpoint", refusal!.Title);
    }

    private byte[] Tamper(byte[] zip, string tampering) => tampering switch
    {
        "an event byte" => BundleTampering.Rewrite(zip, (name, bytes) => name == "events.jsonl" ? FlipCharacterInData(bytes) : bytes),
        "a proof element" => BundleTampering.Rewrite(zip, (name, bytes) => name == "proofs.jsonl" ? FlipFirstPathDigit(bytes) : bytes),
        "the root" => ReplaceRoot(zip),
        "the signature" => BundleTampering.Rewrite(zip, (name, bytes) => name == "checkpoint.sig" ? [.. bytes[..^1], (byte)(bytes[^1] ^ 0x01)] : bytes),
        "the order" => BundleTampering.Rewrite(zip, (name, bytes) => name is "events.jsonl" or "proofs.jsonl" ? SwapFirstTwoLines(bytes) : bytes),
        _ => throw new ArgumentOutOfRangeException(nameof(tampering)),
    };

    private static byte[] FlipCharacterInData(byte[] events)
    {
        var text = Encoding.UTF8.GetString(events);
        var at = text.IndexOf("\"version\":3", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, at), "\"version\":4", text.AsSpan(at + 11)));
    }

    private static byte[] FlipFirstPathDigit(byte[] proofs)
    {
        var copy = proofs.ToArray();
        var at = Encoding.UTF8.GetString(copy).IndexOf("\"path\":[\"", StringComparison.Ordinal) + 9;
        copy[at] = copy[at] == (byte)'0' ? (byte)'1' : (byte)'0';
        return copy;
    }

    /// <summary>A consistent forgery of the root: manifest and checkpoint text agree, the signature cannot.</summary>
    private static byte[] ReplaceRoot(byte[] zip)
    {
        var forged = SHA256.HashData("forged"u8);
        return BundleTampering.Rewrite(zip, (name, bytes) =>
        {
            var text = Encoding.UTF8.GetString(bytes);
            return name switch
            {
                "checkpoint.txt" => Encoding.UTF8.GetBytes(string.Join('\n', text.Split('\n') is var l ? [l[0], l[1], Convert.ToBase64String(forged), ""] : [])),
                "manifest.json" => Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\"rootHash\": \"[0-9a-f]{64}\"", $"\"rootHash\": \"{Convert.ToHexStringLower(forged)}\"")),
                _ => bytes,
            };
        });
    }

    private static byte[] SwapFirstTwoLines(byte[] file)
    {
        var lines = Encoding.UTF8.GetString(file).Split('\n');
        (lines[0], lines[1]) = (lines[1], lines[0]);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    /// <summary>The CLI's `registry verify`, on the bundle's files.</summary>
    private static Registry.Cli.Evidence.VerificationReport RegistryVerify(byte[] zip, string? expectedKeyFingerprint = null)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var files = archive.Entries.ToDictionary(e => e.FullName, e => BundleTampering.File(zip, e.FullName), StringComparer.Ordinal);
        return Registry.Cli.Evidence.BundleVerifier.Verify(files, expectedKeyFingerprint);
    }

    /// <summary>Unzips the bundle, cuts the script out of README.txt as it says, and runs it with bash.</summary>
    private static (bool Ok, string Output) HandVerification(byte[] zip)
    {
        var folder = Directory.CreateTempSubdirectory("registry-bundle-").FullName;
        try
        {
            ZipFile.ExtractToDirectory(new MemoryStream(zip), folder);
            var info = new ProcessStartInfo("bash", ["-c", $"sed -n '/^{EvidenceReadme.ScriptStart.Replace("/", "\\/", StringComparison.Ordinal)}/,/^{EvidenceReadme.ScriptEnd}/p' README.txt > verify-by-hand.sh && bash verify-by-hand.sh"])
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode == 0, output.Result + error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public async Task DisposeAsync() => await _log.DisposeAsync();
}
