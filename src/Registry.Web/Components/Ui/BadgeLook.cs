// How each state in the domain looks: a tone (colour), an icon and a word. Colour never stands alone.
namespace Registry.Web.Components.Ui;

public sealed record BadgeLook(string Tone, string Icon, string Label)
{
    public static BadgeLook VersionStatus(string status) => status switch
    {
        "registered" => new("neutral", "bi-circle", "Registered"),
        "pending-approval" => new("warn", "bi-hourglass-split", "Pending approval"),
        "approved" => new("ok", "bi-check-circle-fill", "Approved"),
        "rejected" => new("bad", "bi-x-circle-fill", "Rejected"),
        _ => new("neutral", "bi-dot", status),
    };

    public static BadgeLook RiskTier(string tier) => tier switch
    {
        "low" => new("ok", "bi-shield-check", "Low risk"),
        "medium" => new("warn", "bi-shield-exclamation", "Medium risk"),
        "high" => new("bad", "bi-shield-fill-exclamation", "High risk"),
        _ => new("neutral", "bi-shield", tier),
    };

    public static BadgeLook Decision(string decision) => decision switch
    {
        "approve" or "approved" => new("ok", "bi-check-lg", "Approved"),
        "reject" or "rejected" => new("bad", "bi-x-lg", "Rejected"),
        _ => new("neutral", "bi-dot", decision),
    };

    public static BadgeLook RollbackState(string state) => state switch
    {
        "pending" => new("warn", "bi-hourglass-split", "Pending decision"),
        "approved" => new("info", "bi-check-circle", "Approved, awaiting deployment"),
        "rejected" => new("bad", "bi-x-circle-fill", "Rejected"),
        "completed" => new("ok", "bi-check-circle-fill", "Completed"),
        _ => new("neutral", "bi-dot", state),
    };

    public static BadgeLook Environment(string environment) => environment switch
    {
        "production" => new("info", "bi-rocket-takeoff-fill", "production"),
        "staging" => new("neutral", "bi-layers", "staging"),
        _ => new("neutral", "bi-hdd-stack", environment),
    };
}
