using System.Net;
using System.Security.Cryptography;
using Registry.Cli.Commands;
using Registry.Cli.Evidence;
using Registry.Cli.Tests.Evidence;

namespace Registry.Cli.Tests.Commands;

public sealed class EvidenceCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _temp.Dispose();
        _key.Dispose();
    }

    [Fact]
    public async Task Verify_prints_the_key_fingerprint_and_exits_0_for_a_sound_bundle()
    {
        EvidenceBundleBuilder.WriteZip(EvidenceBundleBuilder.Build(EvidenceBundleBuilder.Log(10), [3, 6, 9], _key), _temp.Combine("bundle.zip"));
        var cli = new CliRunner(_temp.Path, null);

        var exit = await cli.RunAsync("verify", "bundle.zip");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(BundleVerifier.Fingerprint(_key), cli.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("OK         3 event(s)", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_4_naming_the_failing_event()
    {
        var files = EvidenceBundleBuilder.Build(EvidenceBundleBuilder.Log(10), [3, 6, 9], _key);
        files["events.jsonl"] = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(files["events.jsonl"]).Replace("\"c-6\"", "\"c-7\"", StringComparison.Ordinal));
        EvidenceBundleBuilder.WriteZip(files, _temp.Combine("bundle.zip"));
        var cli = new CliRunner(_temp.Path, null);

        var exit = await cli.RunAsync("verify", "bundle.zip");

        Assert.Equal(ExitCodes.VerificationFailed, exit);
        Assert.Contains("FAILED: event at position 6", cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("an event byte", "FAILED: event at position 9: ", true)]
    [InlineData("a proof element", "FAILED: event at position 12: ", true)]
    [InlineData("the signed root", "checkpoint.sig is not a valid signature", false)]
    [InlineData("the manifest root", "rootHash", false)]
    [InlineData("the signature", "FAILED: checkpoint.sig is not a valid signature", false)]
    [InlineData("the order", "FAILED: event at position 6: ", true)]
    public async Task Verify_exits_4_for_each_tampering_and_names_what_failed(string tampering, string named, bool oneEventAtFault)
    {
        var files = EvidenceBundleBuilder.Build(EvidenceBundleBuilder.Log(13), [3, 6, 9, 12], _key);
        Tamper(files, tampering);
        EvidenceBundleBuilder.WriteZip(files, _temp.Combine("bundle.zip"));
        var cli = new CliRunner(_temp.Path, null);

        var exit = await cli.RunAsync("verify", "bundle.zip");

        Assert.Equal(ExitCodes.VerificationFailed, exit);
        var failures = cli.Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("FAILED: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(failures, f => f.Contains(named, StringComparison.Ordinal));
        if (oneEventAtFault)
        {
            Assert.Single(failures);
        }

        Assert.DoesNotContain("OK ", cli.Out.ToString(), StringComparison.Ordinal);
    }

    private static void Tamper(Dictionary<string, byte[]> files, string tampering)
    {
        switch (tampering)
        {
            case "an event byte":
                // One byte of the third event (position 9): its correlation id "c-9" becomes "c-8".
                var events = files["events.jsonl"];
                var at = System.Text.Encoding.UTF8.GetString(events).IndexOf("\"c-9\"", StringComparison.Ordinal) + 3;
                events[at] = (byte)'8';
                break;
            case "a proof element":
                var proofs = Lines(files["proofs.jsonl"]);
                var proof = System.Text.Json.Nodes.JsonNode.Parse(proofs[3])!;
                var element = proof["path"]![0]!.GetValue<string>();
                proof["path"]![0] = (element[0] == '0' ? "1" : "0") + element[1..];
                proofs[3] = System.Text.Encoding.UTF8.GetBytes(proof.ToJsonString());
                files["proofs.jsonl"] = Join(proofs);
                break;
            case "the signed root":
                var checkpoint = System.Text.Encoding.UTF8.GetString(files["checkpoint.txt"]).Split('\n');
                checkpoint[2] = Convert.ToBase64String(new byte[32]);
                files["checkpoint.txt"] = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', checkpoint));
                break;
            case "the manifest root":
                var manifest = System.Text.Json.Nodes.JsonNode.Parse(files["manifest.json"])!;
                manifest["rootHash"] = new string('0', 64);
                files["manifest.json"] = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
                break;
            case "the signature":
                files["checkpoint.sig"][^3] ^= 0x40;
                break;
            case "the order":
                // Events at positions 6 and 9 swapped, each still with its own proof.
                var swappedEvents = Lines(files["events.jsonl"]);
                var swappedProofs = Lines(files["proofs.jsonl"]);
                (swappedEvents[1], swappedEvents[2]) = (swappedEvents[2], swappedEvents[1]);
                (swappedProofs[1], swappedProofs[2]) = (swappedProofs[2], swappedProofs[1]);
                files["events.jsonl"] = Join(swappedEvents);
                files["proofs.jsonl"] = Join(swappedProofs);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering), tampering, "no such tampering");
        }
    }

    private static List<byte[]> Lines(byte[] content) => BundleVerifier.Lines(content);

    private static byte[] Join(IEnumerable<byte[]> lines) => [.. lines.SelectMany(l => l.Append((byte)'\n'))];

    [Fact]
    public async Task Verify_with_an_expected_key_exits_4_for_a_bundle_signed_by_another()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        EvidenceBundleBuilder.WriteZip(EvidenceBundleBuilder.Build(EvidenceBundleBuilder.Log(4), [1, 2], other), _temp.Combine("bundle.zip"));
        var cli = new CliRunner(_temp.Path, null);

        var exit = await cli.RunAsync("verify", "bundle.zip", "--expect-key", BundleVerifier.Fingerprint(_key));

        Assert.Equal(ExitCodes.VerificationFailed, exit);
        Assert.Contains(BundleVerifier.Fingerprint(other), cli.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evidence_export_downloads_the_bundle_and_verifies_it()
    {
        var zip = _temp.Combine("served.zip");
        EvidenceBundleBuilder.WriteZip(EvidenceBundleBuilder.Build(EvidenceBundleBuilder.Log(7), [2, 5], _key), zip);
        var server = new FakeServer((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(File.ReadAllBytes(zip)) });
        var cli = new CliRunner(_temp.Path, server, new() { ["REGISTRY_URL"] = "http://registry.test", ["REGISTRY_TOKEN"] = "t" });

        var exit = await cli.RunAsync("evidence", "export", "churn", "-o", "out/churn.zip");

        Assert.True(exit == ExitCodes.Ok, cli.Error.ToString());
        Assert.Equal("http://registry.test/api/v1/models/churn/evidence", server.Requests[0].Request.RequestUri?.ToString());
        Assert.Equal(File.ReadAllBytes(zip), File.ReadAllBytes(_temp.Combine("out/churn.zip")));
        Assert.Contains("OK         2 event(s)", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_that_breaks_off_is_retried_then_exits_3_leaving_no_partial_file()
    {
        var server = new FakeServer((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new BrokenStream()) });
        var cli = new CliRunner(_temp.Path, server, new() { ["REGISTRY_URL"] = "http://registry.test", ["REGISTRY_TOKEN"] = "t" });

        var exit = await cli.RunAsync("evidence", "export", "churn", "-o", "bundle.zip");

        Assert.Equal(ExitCodes.Unavailable, exit);
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("the download broke off", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Path, "bundle.zip*"));
    }

    /// <summary>A response body that fails after its first bytes, as a dropped connection does.</summary>
    private sealed class BrokenStream : MemoryStream
    {
        private bool _sent;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sent)
            {
                throw new IOException("connection reset by peer");
            }

            _sent = true;
            buffer.Span[..2].Fill((byte)'P');
            return ValueTask.FromResult(2);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("connection reset by peer");
    }
}
