using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Cli.Evidence;

namespace Registry.Cli.Tests.Evidence;

public sealed class BundleVerifierTests : IDisposable
{
    private static readonly long[] Scope = [3, 6, 9, 12, 15, 18];
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly List<byte[]> _log = EvidenceBundleBuilder.Log(19);
    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        _key.Dispose();
        _temp.Dispose();
    }

    private Dictionary<string, byte[]> Bundle() => EvidenceBundleBuilder.Build(_log, Scope, _key);

    [Fact]
    public void An_untouched_bundle_verifies_and_reports_the_key_fingerprint_of_its_DER_SubjectPublicKeyInfo()
    {
        var path = _temp.Combine("bundle.zip");
        EvidenceBundleBuilder.WriteZip(Bundle(), path);

        var report = BundleVerifier.Verify(path);

        Assert.True(report.Ok, string.Join("\n", report.Failures));
        Assert.Equal(6, report.EventsChecked);
        Assert.Equal(19, report.TreeSize);
        Assert.Equal("registry.test", report.Origin);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_key.ExportSubjectPublicKeyInfo())), report.KeyFingerprint);
    }

    [Fact]
    public void A_single_changed_byte_in_an_event_fails_naming_that_event()
    {
        var bundle = Bundle();
        var text = Encoding.UTF8.GetString(bundle["events.jsonl"]);
        bundle["events.jsonl"] = Encoding.UTF8.GetBytes(text.Replace("\"c-9\"", "\"c-8\"", StringComparison.Ordinal));

        var report = BundleVerifier.Verify(bundle);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(9, failure.Position);
        Assert.Contains("altered", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_event_with_a_recomputed_leaf_hash_still_fails_its_inclusion_proof()
    {
        var bundle = Bundle();
        var events = BundleVerifier.Lines(bundle["events.jsonl"]);
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(events[1]).Replace("alice", "mallory", StringComparison.Ordinal));
        events[1] = forged;
        bundle["events.jsonl"] = Join(events);
        bundle["proofs.jsonl"] = EditProof(bundle["proofs.jsonl"], 1, proof => proof["leafHash"] = Convert.ToHexStringLower(MerkleProof.LeafHash(forged)));

        var report = BundleVerifier.Verify(bundle);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(6, failure.Position);
        Assert.Contains("does not lead to the signed root", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_proof_element_fails_naming_that_event()
    {
        var bundle = Bundle();
        bundle["proofs.jsonl"] = EditProof(bundle["proofs.jsonl"], 3, proof =>
        {
            var path = proof["path"]!.AsArray();
            var first = path[0]!.GetValue<string>();
            path[0] = (first[0] == '0' ? "1" : "0") + first[1..];
        });

        var report = BundleVerifier.Verify(bundle);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(12, failure.Position);
        Assert.Contains("inclusion proof", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_root_in_the_manifest_fails_as_differing_from_the_signed_checkpoint()
    {
        var bundle = Bundle();
        var manifest = JsonNode.Parse(bundle["manifest.json"])!;
        manifest["rootHash"] = new string('0', 64);
        bundle["manifest.json"] = Encoding.UTF8.GetBytes(manifest.ToJsonString());

        var report = BundleVerifier.Verify(bundle);

        Assert.Contains(report.Failures, f => f.Message.Contains("rootHash", StringComparison.Ordinal) && f.Message.Contains("signed checkpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_root_in_the_checkpoint_breaks_the_signature_and_every_proof()
    {
        var bundle = Bundle();
        var lines = Encoding.UTF8.GetString(bundle["checkpoint.txt"]).Split('\n');
        lines[2] = Convert.ToBase64String(new byte[32]);
        bundle["checkpoint.txt"] = Encoding.UTF8.GetBytes(string.Join('\n', lines));

        var report = BundleVerifier.Verify(bundle);

        Assert.Contains(report.Failures, f => f.Message.Contains("not a valid signature", StringComparison.Ordinal));
        Assert.Equal(Scope, report.Failures.Where(f => f.Position is not null).Select(f => f.Position!.Value));
    }

    [Fact]
    public void A_changed_signature_fails()
    {
        var bundle = Bundle();
        var signature = bundle["checkpoint.sig"];
        signature[^3] ^= 0x40;

        var report = BundleVerifier.Verify(bundle);

        var failure = Assert.Single(report.Failures);
        Assert.Null(failure.Position);
        Assert.Contains("checkpoint.sig is not a valid signature", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_out_of_order_fail_even_when_their_proofs_are_reordered_with_them()
    {
        var bundle = Bundle();
        var events = BundleVerifier.Lines(bundle["events.jsonl"]);
        var proofs = BundleVerifier.Lines(bundle["proofs.jsonl"]);
        (events[2], events[3]) = (events[3], events[2]);
        (proofs[2], proofs[3]) = (proofs[3], proofs[2]);
        bundle["events.jsonl"] = Join(events);
        bundle["proofs.jsonl"] = Join(proofs);

        var report = BundleVerifier.Verify(bundle);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(9, failure.Position);
        Assert.Contains("out of order", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_swapped_without_their_proofs_fail_naming_both()
    {
        var bundle = Bundle();
        var events = BundleVerifier.Lines(bundle["events.jsonl"]);
        (events[0], events[1]) = (events[1], events[0]);
        bundle["events.jsonl"] = Join(events);

        var report = BundleVerifier.Verify(bundle);

        Assert.Contains(report.Failures, f => f.Position == 6 && f.Message.Contains("proof of position 3", StringComparison.Ordinal));
        Assert.Contains(report.Failures, f => f.Position == 3);
    }

    [Fact]
    public void A_bundle_re_signed_by_another_key_verifies_on_its_own_but_reports_the_other_fingerprint_and_fails_when_a_key_is_expected()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ours = BundleVerifier.Fingerprint(_key);
        var theirs = BundleVerifier.Fingerprint(other);

        var resigned = EvidenceBundleBuilder.Build(_log, Scope, other);
        var alone = BundleVerifier.Verify(resigned);
        var pinned = BundleVerifier.Verify(resigned, expectedKeyFingerprint: ours);

        Assert.True(alone.Ok);
        Assert.Equal(theirs, alone.KeyFingerprint);
        Assert.NotEqual(ours, theirs);
        var failure = Assert.Single(pinned.Failures);
        Assert.Contains(theirs, failure.Message, StringComparison.Ordinal);
        Assert.Contains(ours, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_by_another_key_than_the_bundled_one_fails_naming_the_bundled_key()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var bundle = Bundle();
        bundle["checkpoint.sig"] = other.SignData(bundle["checkpoint.txt"], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        var report = BundleVerifier.Verify(bundle);

        var failure = Assert.Single(report.Failures);
        Assert.Contains(BundleVerifier.Fingerprint(_key), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dropped_event_is_caught_by_the_manifest_count()
    {
        var bundle = Bundle();
        var events = BundleVerifier.Lines(bundle["events.jsonl"]);
        var proofs = BundleVerifier.Lines(bundle["proofs.jsonl"]);
        events.RemoveAt(2);
        proofs.RemoveAt(2);
        bundle["events.jsonl"] = Join(events);
        bundle["proofs.jsonl"] = Join(proofs);

        var report = BundleVerifier.Verify(bundle);

        Assert.Contains(report.Failures, f => f.Message.Contains("counts 6 events", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_reported_as_such()
    {
        var path = _temp.Write("bundle.zip", "not a zip");

        var report = BundleVerifier.Verify(path);

        Assert.Contains("not a readable zip", Assert.Single(report.Failures).Message, StringComparison.Ordinal);
    }

    private static byte[] Join(IEnumerable<byte[]> lines) => [.. lines.SelectMany(l => l.Append((byte)'\n'))];

    private static byte[] EditProof(byte[] proofs, int index, Action<JsonNode> edit)
    {
        var lines = BundleVerifier.Lines(proofs);
        var node = JsonNode.Parse(lines[index])!;
        edit(node);
        lines[index] = Encoding.UTF8.GetBytes(node.ToJsonString());
        return Join(lines);
    }
}
