// Whether the signed-in person may approve or reject a version, and if not, the reason in plain words.
// The decider enforces the same rules on submit; this only decides what the page offers and explains.
using Registry.Core.Identity;
using Registry.Core.Models;
using Registry.Web.Components.Layout;

namespace Registry.Web.Features.Versions;

public sealed record ApprovalEligibility(bool Allowed, string? Reason)
{
    public static ApprovalEligibility For(VersionState version, PortalUser? user)
    {
        if (user is null)
        {
            return new(false, "Sign in to record a decision.");
        }

        if (!user.Has(Roles.Approver) && !user.Has(Roles.Compliance))
        {
            return new(false, "Only approvers and compliance officers decide on versions.");
        }

        if (version.Status != VersionStatus.PendingApproval)
        {
            return new(false, version.Status == VersionStatus.Registered
                ? "This version has not been submitted for approval yet."
                : $"This version is already {BadgeLookText(version.Status)}; decisions are final.");
        }

        if (version.RegisteredBy == user.Username)
        {
            return new(false, "Separation of duties: you registered this version, so someone else must approve or reject it.");
        }

        if (version.SubmittedBy == user.Username)
        {
            return new(false, "Separation of duties: you submitted this version, so someone else must approve or reject it.");
        }

        if (version.Approvals.Any(a => a.Approver == user.Username))
        {
            return new(false, "You have already recorded your decision on this version; it now waits for the other sign-offs its policy requires.");
        }

        return new(true, null);
    }

    private static string BadgeLookText(string status) => status switch
    {
        VersionStatus.Approved => "approved",
        VersionStatus.Rejected => "rejected",
        _ => status,
    };
}
