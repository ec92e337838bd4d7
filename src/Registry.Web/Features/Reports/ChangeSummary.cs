// One line of plain English per model event, for the who-changed-what tables of the reports.
using System.Globalization;
using Registry.Core.Identity;
using Registry.Core.Models;

namespace Registry.Web.Features.Reports;

public static class ChangeSummary
{
    public static string Of(ModelEvent? @event) => @event switch
    {
        ModelCreated e => $"created the model (risk tier {e.RiskTier}{(e.Owner is { Length: > 0 } owner ? $", owner {owner}" : "")})",
        ModelUpdated e => $"updated {string.Join(", ", Changed(e))}",
        VersionRegistered e => $"registered version {e.Version}: artifact {Format.ShortHash(e.Artifact.Sha256)}, {Count(e.Datasets.Count, "dataset")}, {Count(e.Dependencies.Count, "dependency", "dependencies")}{(e.ParentVersion is { } p ? $", derived from version {p}" : "")}",
        VersionSubmitted e => $"submitted version {e.Version} for approval",
        ApprovalRecorded e => $"{(e.Decision == "approve" ? "approved" : "rejected")} version {e.Version} as {e.Capacity}: \u201c{e.Comment}\u201d",
        VersionApproved e => $"version {e.Version} became approved ({e.Rule.Description})",
        VersionRejected e => $"version {e.Version} became rejected ({e.Rule.Description})",
        DeploymentRecorded e => $"deployed version {e.Version} to {e.Environment}{(e.Reference is { Length: > 0 } r ? $" ({r})" : "")}{(e.RollbackRequestId is { Length: > 0 } id ? $", carrying out rollback {id}" : "")}",
        RollbackRequested e => $"requested rollback {e.Id} of {e.Environment} from version {e.FromVersion} to {e.TargetVersion}: \u201c{e.Reason}\u201d",
        RollbackApproved e => $"approved rollback {e.Id}: \u201c{e.Comment}\u201d",
        RollbackRejected e => $"rejected rollback {e.Id}: \u201c{e.Comment}\u201d",
        RollbackCompleted e => $"rollback {e.Id} completed: version {e.Version} deployed to {e.Environment}",
        _ => "",
    };

    public static string Of(IUserEvent? @event) => @event switch
    {
        UserCreated e => $"created account {e.Username} ({e.DisplayName}) with roles {Roles(e.Roles)}",
        RolesGranted e => $"granted {Roles(e.Roles)}",
        RolesRevoked e => $"revoked {Roles(e.Roles)}",
        PasswordChanged => "changed the password",
        TokenIssued e => $"issued token \u201c{e.Name}\u201d{(e.ExpiresAt is { } x ? $", expires {Format.Time(x)}" : "")}",
        TokenRevoked e => $"revoked token {e.TokenId}",
        SignedIn e => $"signed in ({e.Method})",
        SignInFailed e => $"sign-in refused ({e.Reason})",
        AccountLockedOut e => $"locked out until {Format.Time(e.Until)}",
        AccountUnlocked => "unlocked the account",
        _ => "",
    };

    private static string Roles(IReadOnlyList<string> roles) => roles.Count == 0 ? "none" : string.Join(", ", roles);

    private static IEnumerable<string> Changed(ModelUpdated e)
    {
        if (e.Description is not null)
        {
            yield return "description";
        }

        if (e.Owner is not null)
        {
            yield return $"owner to {e.Owner}";
        }

        if (e.RiskTier is not null)
        {
            yield return $"risk tier to {e.RiskTier}";
        }

        if (e.IntendedUse is not null)
        {
            yield return "intended use";
        }

        if (e.Restrictions is not null)
        {
            yield return "restrictions";
        }

        if (e.Tags is not null)
        {
            yield return "tags";
        }
    }

    private static string Count(int n, string one, string? many = null) =>
        n == 1 ? $"1 {one}" : $"{n.ToString(CultureInfo.InvariantCulture)} {many ?? one + "s"}";
}
