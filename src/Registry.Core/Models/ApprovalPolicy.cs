// How many approvals each risk tier needs. Configuration (Registry:ApprovalPolicy), not code: the
// rule that applied is copied into every approval event, so the log says which policy decided.
namespace Registry.Core.Models;

public sealed record ApprovalRequirement(int Approvers, int ComplianceSignOffs);

public sealed class ApprovalPolicy
{
    public ApprovalPolicy(IReadOnlyDictionary<string, ApprovalRequirement> byRiskTier)
    {
        foreach (var tier in RiskTiers.All)
        {
            if (!byRiskTier.TryGetValue(tier, out var requirement))
            {
                throw new ArgumentException($"the approval policy has no rule for risk tier '{tier}'", nameof(byRiskTier));
            }

            if (requirement.Approvers < 0 || requirement.ComplianceSignOffs < 0 || requirement.Approvers + requirement.ComplianceSignOffs == 0)
            {
                throw new ArgumentException($"the approval rule for '{tier}' must require at least one sign-off and no negative counts", nameof(byRiskTier));
            }
        }

        ByRiskTier = byRiskTier;
    }

    /// <summary>Low and medium risk: one approver. High risk: one approver and one compliance sign-off.</summary>
    public static ApprovalPolicy Default { get; } = new(new Dictionary<string, ApprovalRequirement>
    {
        [RiskTiers.Low] = new(1, 0),
        [RiskTiers.Medium] = new(1, 0),
        [RiskTiers.High] = new(1, 1),
    });

    public IReadOnlyDictionary<string, ApprovalRequirement> ByRiskTier { get; }

    public AppliedRule RuleFor(string riskTier)
    {
        var r = ByRiskTier[riskTier];
        var description = r.ComplianceSignOffs == 0
            ? $"{riskTier} risk: {Count(r.Approvers, "approver")}"
            : r.Approvers == 0
                ? $"{riskTier} risk: {Count(r.ComplianceSignOffs, "compliance sign-off")}"
                : $"{riskTier} risk: {Count(r.Approvers, "approver")} and {Count(r.ComplianceSignOffs, "compliance sign-off")}";
        return new AppliedRule(riskTier, r.Approvers, r.ComplianceSignOffs, description);
    }

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
