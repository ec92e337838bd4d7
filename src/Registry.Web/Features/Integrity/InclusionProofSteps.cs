// An inclusion proof replayed step by step (RFC 9162 section 2.1.3.2), so the proof page can show
// an auditor each hash on the way from the leaf to the root, and which side the sibling sits on.
using System.Security.Cryptography;

namespace Registry.Web.Features.Integrity;

/// <param name="Sibling">The proof's hash at this step.</param>
/// <param name="SiblingOnLeft">Whether the step computes SHA-256(0x01 ‖ sibling ‖ running) rather than SHA-256(0x01 ‖ running ‖ sibling).</param>
/// <param name="Result">The running hash after this step.</param>
public sealed record ProofStep(byte[] Sibling, bool SiblingOnLeft, byte[] Result);

public sealed record ReplayedProof(IReadOnlyList<ProofStep> Steps, byte[] ComputedRoot, bool Complete);

public static class InclusionProofSteps
{
    /// <summary>Replays the audit path; <c>Complete</c> is false when the path has the wrong length for the tree.</summary>
    public static ReplayedProof Replay(long leafIndex, long treeSize, byte[] leafHash, IReadOnlyList<byte[]> path)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, treeSize);
        var fn = leafIndex;
        var sn = treeSize - 1;
        var running = leafHash;
        var steps = new List<ProofStep>(path.Count);
        foreach (var sibling in path)
        {
            if (sn == 0)
            {
                return new ReplayedProof(steps, running, Complete: false);
            }

            var onLeft = (fn & 1) == 1 || fn == sn;
            running = onLeft ? Node(sibling, running) : Node(running, sibling);
            steps.Add(new ProofStep(sibling, onLeft, running));
            if (onLeft && (fn & 1) == 0)
            {
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }

            fn >>= 1;
            sn >>= 1;
        }

        return new ReplayedProof(steps, running, Complete: sn == 0);
    }

    private static byte[] Node(byte[] left, byte[] right)
    {
        Span<byte> buffer = stackalloc byte[1 + left.Length + right.Length];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + left.Length)..]);
        return SHA256.HashData(buffer);
    }
}
