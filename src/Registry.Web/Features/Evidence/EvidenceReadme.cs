// The README.txt of a bundle: what is in it, and how to check it without trusting the registry,
// with `registry verify` or by hand. The embedded shell script is run by the tests, so the
// instructions stay true.
using System.Globalization;

namespace Registry.Web.Features.Evidence;

public static class EvidenceReadme
{
    /// <summary>The first and last lines of the script inside README.txt (to cut it out with sed).</summary>
    public const string ScriptStart = "#!/usr/bin/env bash";
    public const string ScriptEnd = "# end of verify-by-hand.sh";

    public static string Text(EvidencePlan plan)
    {
        var checkpoint = plan.Checkpoint;
        var size = checkpoint.TreeSize.ToString(CultureInfo.InvariantCulture);
        var count = plan.Positions.Length.ToString(CultureInfo.InvariantCulture);
        return $$"""
            Registry evidence bundle ({{EvidenceBundle.Format}})
            =========================================

            Scope:        {{plan.Scope.Name}}
            Events:       {{count}}
            Log origin:   {{checkpoint.Origin}}
            Tree size:    {{size}}
            Root hash:    {{checkpoint.RootHashHex}}
            Signing key:  SHA-256 {{checkpoint.KeyFingerprint}}
            Generated:    {{EvidenceScope.Rfc3339(plan.GeneratedAt)}}

            This bundle proves that each event below is, byte for byte, part of the registry's log as
            signed in checkpoint.txt. Nothing in it needs the registry, its database or the network to check.

            Files
            -----
            manifest.json   format, origin, scope, generatedAt, treeSize, rootHash (hex), events (count).
            events.jsonl    one line per event: the event's exact envelope bytes (RFC 8785 canonical JSON,
                            UTF-8), position ascending. The line ends with "\n", which is not part of the event.
            proofs.jsonl    one line per event, same order: {"position", "leafHash", "path": [hex, ...]}, the
                            RFC 9162 inclusion proof of leaf index position-1 in the tree of treeSize leaves.
            checkpoint.txt  the signed text: origin, tree size, root hash in base64, one per line.
            checkpoint.sig  the ECDSA P-256 / SHA-256 signature of checkpoint.txt (DER).
            public-key.pem  the signing key (SubjectPublicKeyInfo).

            The hashes (RFC 9162 section 2.1)
            ---------------------------------
            leaf hash    = SHA-256(0x00 || envelope bytes)
            node hash    = SHA-256(0x01 || left || right)
            root         = the Merkle tree hash over the leaf hashes of positions 1..treeSize
            All hashes are written as 64 lowercase hex characters (the checkpoint's root in base64).

            Verify with the registry tool
            -----------------------------
                registry verify THIS-BUNDLE.zip

            It checks every leaf, every proof and the signature, prints the signing key's SHA-256
            fingerprint, and exits non-zero naming the first event that fails.

            Verify by hand (bash, sha256sum, xxd, openssl)
            ----------------------------------------------
            1. The signature over the checkpoint ("Verified OK"):
                   openssl dgst -sha256 -verify public-key.pem -signature checkpoint.sig checkpoint.txt
            2. The key is the registry's: compare this with the fingerprint its operators publish (the PDF
               reports print it in their Integrity section):
                   openssl pkey -pubin -in public-key.pem -outform DER | sha256sum
            3. The signed root and size are the manifest's:
                   sed -n 2p checkpoint.txt                               # = treeSize
                   sed -n 3p checkpoint.txt | base64 -d | xxd -p -c 64    # = rootHash
            4. An event's leaf hash, e.g. the first line (it must equal "leafHash" on line 1 of proofs.jsonl):
                   { printf '\000'; sed -n 1p events.jsonl | tr -d '\n'; } | sha256sum
            5. Its proof leads to the signed root (RFC 9162 section 2.1.3.2). With fn = position - 1,
               sn = treeSize - 1 and r = leafHash, for each hash p of the path in order:
                   if sn = 0: the proof is invalid
                   if fn is odd or fn = sn: r = node(p, r); then, while fn is even and not 0, halve fn and sn
                   else: r = node(r, p)
                   halve fn and sn (integer division by 2)
               At the end sn must be 0 and r must equal the root.
            6. Positions must be strictly ascending, and each event's "position" must equal its proof's.

            The script below does all of this for every event. Cut it out and run it in the unzipped folder:
                sed -n '/^{{ScriptStart.Replace("/", "\\/", StringComparison.Ordinal)}}/,/^{{ScriptEnd}}/p' README.txt > verify-by-hand.sh
                bash verify-by-hand.sh

            {{ScriptStart}}
            # Checks this bundle with sha256sum, xxd and openssl only. Exits non-zero at the first mismatch.
            set -euo pipefail
            node() { { printf '\001'; printf '%s%s' "$1" "$2" | xxd -r -p; } | sha256sum | cut -c1-64; }
            fail() { echo "FAILED: $*" >&2; exit 1; }
            openssl dgst -sha256 -verify public-key.pem -signature checkpoint.sig checkpoint.txt >/dev/null || fail "the signature of checkpoint.txt"
            echo "signing key SHA-256: $(openssl pkey -pubin -in public-key.pem -outform DER | sha256sum | cut -c1-64)"
            size=$(sed -n 2p checkpoint.txt)
            root=$(sed -n 3p checkpoint.txt | base64 -d | xxd -p -c 64)
            grep -Eq "\"treeSize\": *$size(,|\$)" manifest.json || fail "manifest treeSize is not $size"
            grep -q "\"rootHash\": *\"$root\"" manifest.json || fail "manifest rootHash is not $root"
            lines=$(wc -l < events.jsonl)
            [ "$lines" = "$(wc -l < proofs.jsonl)" ] || fail "events.jsonl and proofs.jsonl differ in length"
            grep -Eq "\"events\": *$lines(,|\$)" manifest.json || fail "manifest events is not $lines"
            previous=0
            paste -d '\n' events.jsonl proofs.jsonl | while IFS= read -r event && IFS= read -r proof; do
              position=$(printf '%s' "$proof" | sed 's/^{"position":\([0-9]*\),.*/\1/')
              leaf=$(printf '%s' "$proof" | sed 's/.*"leafHash":"\([0-9a-f]*\)".*/\1/')
              path=$(printf '%s' "$proof" | sed 's/.*"path":\[\([^]]*\)\].*/\1/' | tr -d '"' | tr ',' ' ')
              [ "$position" -gt "$previous" ] || fail "event $position is out of order (after $previous)"
              case "$event" in *",\"position\":$position,\"recordedAt\":"*) ;; *) fail "event $position: the envelope's position differs from its proof's" ;; esac
              actual=$({ printf '\000'; printf '%s' "$event"; } | sha256sum | cut -c1-64)
              [ "$actual" = "$leaf" ] || fail "event $position: leaf hash $actual, proof says $leaf"
              fn=$((position - 1)); sn=$((size - 1)); r=$leaf
              for p in $path; do
                [ "$sn" -ne 0 ] || fail "event $position: the proof is too long"
                if [ $((fn & 1)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
                  r=$(node "$p" "$r")
                  while [ $((fn & 1)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn >> 1)); sn=$((sn >> 1)); done
                else
                  r=$(node "$r" "$p")
                fi
                fn=$((fn >> 1)); sn=$((sn >> 1))
              done
              [ "$sn" -eq 0 ] && [ "$r" = "$root" ] || fail "event $position: the proof does not lead to the signed root"
              previous=$position
              echo "ok $position"
            done
            echo "all events verified against $(sed -n 1p checkpoint.txt) at size $size"
            {{ScriptEnd}}

            """.ReplaceLineEndings("\n");
    }
}
