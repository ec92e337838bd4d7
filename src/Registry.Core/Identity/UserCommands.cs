namespace Registry.Core.Identity;

public interface IUserCommand;

public sealed record CreateUser(string Username, string DisplayName, string? Email, IReadOnlyList<string> Roles, bool WithPassword, string Source, string By) : IUserCommand;

/// <summary>Grants and revokes in one request; a role both granted and revoked is a contradiction.</summary>
public sealed record ChangeRoles(IReadOnlyList<string> Grant, IReadOnlyList<string> Revoke, string By) : IUserCommand;

public sealed record ChangePassword(string By) : IUserCommand;

public sealed record IssueToken(string TokenId, string Name, string Sha256, DateTimeOffset? ExpiresAt, DateTimeOffset Now, string By) : IUserCommand;

public sealed record RevokeToken(string TokenId, string By) : IUserCommand;

/// <summary>A sign-in attempt; the password was checked by the caller (hashing is not the domain's business).</summary>
public sealed record AttemptSignIn(bool PasswordMatches, DateTimeOffset Now, LockoutPolicy Lockout) : IUserCommand;

/// <summary>The single sign-on proxy vouched for the user (the identity provider checked the credentials, not the registry).</summary>
public sealed record SignInThroughProxy : IUserCommand;

public sealed record UnlockAccount(string By) : IUserCommand;

/// <summary>After <paramref name="MaxFailures"/> consecutive wrong passwords the account is locked for <paramref name="Duration"/>.</summary>
public sealed record LockoutPolicy(int MaxFailures, TimeSpan Duration)
{
    public static readonly LockoutPolicy Default = new(5, TimeSpan.FromMinutes(15));
}

/// <summary>Why a command was refused, in words a person can act on.</summary>
public sealed record UserRejection(UserRejectionKind Kind, string Detail);

public enum UserRejectionKind
{
    Invalid,
    NotFound,
    Conflict,
}
