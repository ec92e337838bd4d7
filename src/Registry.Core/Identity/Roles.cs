namespace Registry.Core.Identity;

/// <summary>The roles of the contract. A user may hold several.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string DataScientist = "data-scientist";
    public const string Approver = "approver";
    public const string Compliance = "compliance";
    public const string Auditor = "auditor";

    public static readonly IReadOnlyList<string> All = [Admin, DataScientist, Approver, Compliance, Auditor];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
