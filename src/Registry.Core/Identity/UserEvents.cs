// What can happen to an account, as events of the stream `user-{username}`. The envelope's actor
// is who did it; the events repeat it (GrantedBy, IssuedBy…) so the data reads on its own in the
// audit log. No event ever holds a password or its hash, nor a token's plaintext: the log is
// readable by every role, and a password hash can be cracked offline where a SHA-256 of a
// 256-bit random token cannot.
namespace Registry.Core.Identity;

public interface IUserEvent;

/// <summary>Where an account came from: created by an administrator, at bootstrap, or first seen through single sign-on.</summary>
public static class AccountSources
{
    public const string Local = "local";
    public const string Bootstrap = "bootstrap";
    public const string SingleSignOn = "sso";
}

public sealed record UserCreated(string Username, string DisplayName, string? Email, IReadOnlyList<string> Roles, string Source, string CreatedBy) : IUserEvent;

public sealed record RolesGranted(IReadOnlyList<string> Roles, string GrantedBy) : IUserEvent;

public sealed record RolesRevoked(IReadOnlyList<string> Roles, string RevokedBy) : IUserEvent;

/// <summary>The password was set or changed. The hash lives outside the log (see docs/identity.md).</summary>
public sealed record PasswordChanged(string ChangedBy) : IUserEvent;

/// <summary>A personal access token was issued: its SHA-256 (hex), never the token.</summary>
public sealed record TokenIssued(string TokenId, string Name, string Sha256, DateTimeOffset? ExpiresAt, string IssuedBy) : IUserEvent;

public sealed record TokenRevoked(string TokenId, string RevokedBy) : IUserEvent;

/// <summary>A successful sign-in: <see cref="SignInMethods"/>.</summary>
public sealed record SignedIn(string Method) : IUserEvent;

/// <summary>A refused sign-in: <see cref="SignInFailureReasons"/>; <paramref name="ConsecutiveFailures"/> counts wrong passwords since the last success or lockout.</summary>
public sealed record SignInFailed(string Reason, int ConsecutiveFailures) : IUserEvent;

public sealed record AccountLockedOut(DateTimeOffset Until, int Failures) : IUserEvent;

public sealed record AccountUnlocked(string UnlockedBy) : IUserEvent;

public static class SignInMethods
{
    public const string Password = "password";

    /// <summary>Through the trusted single sign-on proxy; recorded once per session, not per request (docs/identity.md).</summary>
    public const string SingleSignOn = "single-sign-on";
}

public static class SignInFailureReasons
{
    public const string WrongPassword = "wrong-password";
    public const string LockedOut = "locked-out";
    public const string NoPassword = "no-password";
}
