namespace Registry.Core;

/// <summary>Why a command was refused. The web layer maps the kind to an HTTP status (400, 403, 404, 409, 412).</summary>
public enum RejectionKind
{
    /// <summary>The input is malformed; <see cref="Rejection.Field"/> names the offending member.</summary>
    Validation,
    NotFound,
    /// <summary>The command does not fit the current state (e.g. approving a version that is not pending).</summary>
    Conflict,
    /// <summary>The caller may not do this, whatever the input (e.g. separation of duties).</summary>
    Forbidden,
    /// <summary>The caller's view of the state is stale (If-Match did not match).</summary>
    PreconditionFailed,
}

/// <summary>A refused command, as a value: a kind, a human reason and, for validation, the field (JSON path).</summary>
public sealed record Rejection(RejectionKind Kind, string Reason, string? Field = null)
{
    public static Rejection Invalid(string field, string reason) => new(RejectionKind.Validation, reason, field);

    public static Rejection NotFound(string reason) => new(RejectionKind.NotFound, reason);

    public static Rejection Conflict(string reason) => new(RejectionKind.Conflict, reason);

    public static Rejection Forbidden(string reason) => new(RejectionKind.Forbidden, reason);

    public static Rejection Stale(string reason) => new(RejectionKind.PreconditionFailed, reason);
}
