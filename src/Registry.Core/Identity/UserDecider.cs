// The account decider: pure, synchronous, tested with given/when/then tables (UserDeciderTests).
using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Registry.Core.Identity;

public sealed record IssuedToken(string Name, DateTimeOffset? ExpiresAt, bool Revoked);

public sealed record UserState(
    bool Exists,
    string Username,
    ImmutableSortedSet<string> Roles,
    bool HasPassword,
    ImmutableDictionary<string, IssuedToken> Tokens,
    int ConsecutiveFailures,
    DateTimeOffset? LockedUntil)
{
    public static readonly UserState Initial = new(false, "", ImmutableSortedSet.Create<string>(StringComparer.Ordinal), false, ImmutableDictionary.Create<string, IssuedToken>(StringComparer.Ordinal), 0, null);

    public bool IsLockedOutAt(DateTimeOffset now) => LockedUntil is { } until && until > now;
}

/// <summary>Either the events to append (possibly none: nothing to change) or a rejection.</summary>
public sealed record UserDecision(IReadOnlyList<IUserEvent> Events, UserRejection? Rejection)
{
    public static UserDecision Accept(params IUserEvent[] events) => new(events, null);

    public static UserDecision Reject(UserRejectionKind kind, string detail) => new([], new UserRejection(kind, detail));
}

public static partial class UserDecider
{
    public const int MaxTokenNameLength = 100;

    public static string StreamFor(string username) => "user-" + username;

    /// <summary>The contract's name rule: <c>^[a-z0-9][a-z0-9._-]{0,99}$</c>.</summary>
    public static bool IsValidUsername(string username) => UsernamePattern().IsMatch(username);

    public static UserState Fold(IEnumerable<IUserEvent> events) => events.Aggregate(UserState.Initial, Evolve);

    public static UserDecision Decide(IUserCommand command, UserState state) => command switch
    {
        CreateUser c => Create(c, state),
        _ when !state.Exists => UserDecision.Reject(UserRejectionKind.NotFound, "There is no such user."),
        ChangeRoles c => Roles(c, state),
        ChangePassword c => UserDecision.Accept(new PasswordChanged(c.By)),
        IssueToken c => Issue(c, state),
        RevokeToken c => Revoke(c, state),
        AttemptSignIn c => SignIn(c, state),
        SignInThroughProxy => UserDecision.Accept(new SignedIn(SignInMethods.SingleSignOn)),
        UnlockAccount c => state.LockedUntil is null && state.ConsecutiveFailures == 0
            ? UserDecision.Accept()
            : UserDecision.Accept(new AccountUnlocked(c.By)),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown user command."),
    };

    public static UserState Evolve(UserState state, IUserEvent @event) => @event switch
    {
        UserCreated e => state with { Exists = true, Username = e.Username, Roles = state.Roles.Union(e.Roles) },
        RolesGranted e => state with { Roles = state.Roles.Union(e.Roles) },
        RolesRevoked e => state with { Roles = state.Roles.Except(e.Roles) },
        PasswordChanged => state with { HasPassword = true },
        TokenIssued e => state with { Tokens = state.Tokens.SetItem(e.TokenId, new IssuedToken(e.Name, e.ExpiresAt, false)) },
        TokenRevoked e => state.Tokens.TryGetValue(e.TokenId, out var t) ? state with { Tokens = state.Tokens.SetItem(e.TokenId, t with { Revoked = true }) } : state,
        // Only the password proves the password: a sign-in through the proxy leaves a lockout (someone
        // guessing the password) in place.
        SignedIn e when e.Method == SignInMethods.Password => state with { ConsecutiveFailures = 0, LockedUntil = null },
        SignedIn => state,
        SignInFailed e when e.Reason == SignInFailureReasons.WrongPassword => state with { ConsecutiveFailures = e.ConsecutiveFailures },
        SignInFailed => state,
        AccountLockedOut e => state with { LockedUntil = e.Until, ConsecutiveFailures = 0 },
        AccountUnlocked => state with { LockedUntil = null, ConsecutiveFailures = 0 },
        _ => state,
    };

    private static UserDecision Create(CreateUser c, UserState state)
    {
        if (state.Exists)
        {
            return UserDecision.Reject(UserRejectionKind.Conflict, $"The user '{c.Username}' already exists.");
        }

        if (!IsValidUsername(c.Username))
        {
            return UserDecision.Reject(UserRejectionKind.Invalid, "A username is 1 to 100 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        if (string.IsNullOrWhiteSpace(c.DisplayName) || c.DisplayName.Length > 200)
        {
            return UserDecision.Reject(UserRejectionKind.Invalid, "A display name is required (at most 200 characters).");
        }

        if (UnknownRoles(c.Roles) is { } unknown)
        {
            return unknown;
        }

        var roles = c.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        IUserEvent[] events = c.WithPassword
            ? [new UserCreated(c.Username, c.DisplayName.Trim(), c.Email, roles, c.Source, c.By), new PasswordChanged(c.By)]
            : [new UserCreated(c.Username, c.DisplayName.Trim(), c.Email, roles, c.Source, c.By)];
        return UserDecision.Accept(events);
    }

    private static UserDecision Roles(ChangeRoles c, UserState state)
    {
        if (UnknownRoles(c.Grant.Concat(c.Revoke)) is { } unknown)
        {
            return unknown;
        }

        var both = c.Grant.Intersect(c.Revoke, StringComparer.Ordinal).ToArray();
        if (both.Length > 0)
        {
            return UserDecision.Reject(UserRejectionKind.Invalid, $"A role cannot be granted and revoked at once: {string.Join(", ", both)}.");
        }

        // Only real changes become events: granting a role already held records nothing.
        var granted = c.Grant.Where(r => !state.Roles.Contains(r)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var revoked = c.Revoke.Where(state.Roles.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var events = new List<IUserEvent>();
        if (granted.Length > 0)
        {
            events.Add(new RolesGranted(granted, c.By));
        }

        if (revoked.Length > 0)
        {
            events.Add(new RolesRevoked(revoked, c.By));
        }

        return new UserDecision(events, null);
    }

    private static UserDecision Issue(IssueToken c, UserState state)
    {
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > MaxTokenNameLength)
        {
            return UserDecision.Reject(UserRejectionKind.Invalid, $"A token needs a name (at most {MaxTokenNameLength} characters) so its owner can tell it apart.");
        }

        if (c.ExpiresAt is { } expires && expires <= c.Now)
        {
            return UserDecision.Reject(UserRejectionKind.Invalid, "The expiry must be in the future.");
        }

        if (state.Tokens.ContainsKey(c.TokenId))
        {
            return UserDecision.Reject(UserRejectionKind.Conflict, "A token with this id already exists.");
        }

        var name = c.Name.Trim();
        if (state.Tokens.Values.Any(t => !t.Revoked && (t.ExpiresAt is null || t.ExpiresAt > c.Now) && t.Name == name))
        {
            return UserDecision.Reject(UserRejectionKind.Conflict, $"An active token named '{name}' already exists; revoke it or choose another name.");
        }

        return UserDecision.Accept(new TokenIssued(c.TokenId, name, c.Sha256, c.ExpiresAt, c.By));
    }

    private static UserDecision Revoke(RevokeToken c, UserState state) => state.Tokens.TryGetValue(c.TokenId, out var token) switch
    {
        false => UserDecision.Reject(UserRejectionKind.NotFound, "There is no such token."),
        true when token!.Revoked => UserDecision.Accept(),
        true => UserDecision.Accept(new TokenRevoked(c.TokenId, c.By)),
    };

    private static UserDecision SignIn(AttemptSignIn c, UserState state)
    {
        if (state.IsLockedOutAt(c.Now))
        {
            return UserDecision.Accept(new SignInFailed(SignInFailureReasons.LockedOut, state.ConsecutiveFailures));
        }

        if (!state.HasPassword)
        {
            return UserDecision.Accept(new SignInFailed(SignInFailureReasons.NoPassword, state.ConsecutiveFailures));
        }

        if (c.PasswordMatches)
        {
            return UserDecision.Accept(new SignedIn(SignInMethods.Password));
        }

        var failures = state.ConsecutiveFailures + 1;
        return failures >= c.Lockout.MaxFailures
            ? UserDecision.Accept(new SignInFailed(SignInFailureReasons.WrongPassword, failures), new AccountLockedOut(c.Now + c.Lockout.Duration, failures))
            : UserDecision.Accept(new SignInFailed(SignInFailureReasons.WrongPassword, failures));
    }

    private static UserDecision? UnknownRoles(IEnumerable<string> roles)
    {
        var unknown = roles.Where(r => !Identity.Roles.IsKnown(r)).Distinct(StringComparer.Ordinal).ToArray();
        return unknown.Length == 0
            ? null
            : UserDecision.Reject(UserRejectionKind.Invalid, $"Unknown role(s): {string.Join(", ", unknown)}. Roles are {string.Join(", ", Identity.Roles.All)}.");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();
}

/// <summary>What a password must be; checked before hashing, outside the decider.</summary>
public static class PasswordRules
{
    public const int MinLength = 12;
    public const int MaxLength = 256;

    /// <summary>Null when acceptable, otherwise why not.</summary>
    public static string? Problem(string? password, string username) => password switch
    {
        null or "" => "A password is required.",
        { Length: < MinLength } => $"A password has at least {MinLength} characters.",
        { Length: > MaxLength } => $"A password has at most {MaxLength} characters.",
        _ when password.Contains(username, StringComparison.OrdinalIgnoreCase) => "A password must not contain the username.",
        _ => null,
    };
}
