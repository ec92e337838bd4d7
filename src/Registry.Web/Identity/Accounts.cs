// What the API and the portal do with accounts: create users, change roles and passwords, issue
// and revoke tokens, sign in. Every change goes through the account decider into the log; reads
// come from the projection tables (registry.users, user_tokens, sign_ins).
using Microsoft.AspNetCore.Identity;
using Npgsql;
using Registry.Core.Identity;
using Registry.EventStore;

namespace Registry.Web.Identity;

public sealed record UserSummary(
    string Username, string DisplayName, string? Email, IReadOnlyList<string> Roles, string Source,
    DateTimeOffset CreatedAt, string CreatedBy, bool HasPassword, DateTimeOffset? PasswordChangedAt,
    DateTimeOffset? LockedUntil, DateTimeOffset? LastSignInAt);

public sealed record TokenSummary(string Id, string Username, string Name, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

public sealed record SignInRecord(long Position, string Username, DateTimeOffset At, bool Succeeded, string? Method, string? Reason, string? Ip, string? Client);

/// <summary>A token as issued: the plaintext is here once and nowhere else.</summary>
public sealed record NewToken(string Id, string Name, string Token, DateTimeOffset? ExpiresAt);

/// <summary>A value, or why there is none.</summary>
public sealed record Outcome<T>(T? Value, UserRejection? Rejection)
{
    public static implicit operator Outcome<T>(UserRejection rejection) => new(default, rejection);

    public static Outcome<T> Of(T value) => new(value, null);
}

public abstract record SignInResult
{
    public sealed record Succeeded(UserSummary User) : SignInResult;

    /// <summary>Wrong username or password; deliberately does not say which.</summary>
    public sealed record Refused : SignInResult;

    public sealed record LockedOut(DateTimeOffset Until) : SignInResult;
}

public sealed class Accounts(UserStreams streams, NpgsqlDataSource dataSource, TimeProvider time, LockoutPolicy lockout, ILogger<Accounts> logger)
{
    private static readonly PasswordHasher<string> Hasher = new();

    // Verified when the user is unknown, so a wrong username costs as long as a wrong password.
    private static readonly string DecoyHash = Hasher.HashPassword("", Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    public async Task<Outcome<UserSummary>> CreateUserAsync(string username, string displayName, string? email, IReadOnlyList<string> roles, string? password, string source, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        if (password is not null && PasswordRules.Problem(password, username) is { } problem)
        {
            return new UserRejection(UserRejectionKind.Invalid, problem);
        }

        var (decision, _) = await streams.ExecuteAsync(username, _ => new CreateUser(username, displayName, email, roles, password is not null, source, metadata.Actor), metadata, cancellationToken);
        if (decision.Rejection is { } rejection)
        {
            return rejection;
        }

        // After the append, never before: a refused creation must not overwrite anyone's password.
        if (password is not null)
        {
            await StorePasswordAsync(username, password, cancellationToken);
        }

        return Outcome<UserSummary>.Of((await FindUserAsync(username, cancellationToken))!);
    }

    public async Task<Outcome<UserSummary>> ChangeRolesAsync(string username, IReadOnlyList<string> grant, IReadOnlyList<string> revoke, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        var (decision, _) = await streams.ExecuteAsync(username, _ => new ChangeRoles(grant, revoke, metadata.Actor), metadata, cancellationToken);
        return decision.Rejection is { } rejection ? rejection : Outcome<UserSummary>.Of((await FindUserAsync(username, cancellationToken))!);
    }

    /// <summary>Sets a new password; when <paramref name="currentPassword"/> is given (a user changing their own) it must match.</summary>
    public async Task<UserRejection?> ChangePasswordAsync(string username, string? currentPassword, string newPassword, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        if (currentPassword is not null && !await VerifyPasswordAsync(username, currentPassword, cancellationToken))
        {
            return new UserRejection(UserRejectionKind.Invalid, "The current password is not right.");
        }

        if (PasswordRules.Problem(newPassword, username) is { } problem)
        {
            return new UserRejection(UserRejectionKind.Invalid, problem);
        }

        var (decision, _) = await streams.ExecuteAsync(username, _ => new ChangePassword(metadata.Actor), metadata, cancellationToken);
        if (decision.Rejection is { } rejection)
        {
            return rejection;
        }

        await StorePasswordAsync(username, newPassword, cancellationToken);
        return null;
    }

    public async Task<Outcome<NewToken>> IssueTokenAsync(string username, string name, DateTimeOffset? expiresAt, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        var token = PersonalAccessTokens.Generate();
        var id = PersonalAccessTokens.NewId();
        var (decision, _) = await streams.ExecuteAsync(
            username,
            _ => new IssueToken(id, name, PersonalAccessTokens.HashHex(token), expiresAt?.ToUniversalTime(), time.GetUtcNow(), metadata.Actor),
            metadata,
            cancellationToken);
        return decision.Rejection is { } rejection
            ? rejection
            : Outcome<NewToken>.Of(new NewToken(id, ((TokenIssued)decision.Events[0]).Name, token, expiresAt?.ToUniversalTime()));
    }

    public async Task<UserRejection?> RevokeTokenAsync(string username, string tokenId, AppendMetadata metadata, CancellationToken cancellationToken) =>
        (await streams.ExecuteAsync(username, _ => new RevokeToken(tokenId, metadata.Actor), metadata, cancellationToken)).Decision.Rejection;

    public async Task<UserRejection?> UnlockAsync(string username, AppendMetadata metadata, CancellationToken cancellationToken) =>
        (await streams.ExecuteAsync(username, _ => new UnlockAccount(metadata.Actor), metadata, cancellationToken)).Decision.Rejection;

    /// <summary>Checks a password and records the attempt (success, failure, lockout) in the user's stream.</summary>
    public async Task<SignInResult> SignInAsync(string username, string password, AppendMetadata metadata, CancellationToken cancellationToken)
    {
        username = username.Trim().ToLowerInvariant();
        var user = UserDecider.IsValidUsername(username) ? await FindUserAsync(username, cancellationToken) : null;
        if (user is null)
        {
            Hasher.VerifyHashedPassword("", DecoyHash, password);
            logger.LogWarning("Sign-in refused for unknown user {Username} from {Ip}", username.Length > 100 ? username[..100] : username, metadata.Ip);
            return new SignInResult.Refused();
        }

        var matches = await VerifyPasswordAsync(username, password, cancellationToken);
        var now = time.GetUtcNow();
        var (decision, state) = await streams.ExecuteAsync(username, _ => new AttemptSignIn(matches, now, lockout), metadata with { Actor = username }, cancellationToken);
        if (decision.Events.OfType<SignedIn>().Any())
        {
            return new SignInResult.Succeeded((await FindUserAsync(username, cancellationToken))!);
        }

        return state.IsLockedOutAt(now) ? new SignInResult.LockedOut(state.LockedUntil!.Value) : new SignInResult.Refused();
    }

    /// <summary>Records that the single sign-on proxy signed <paramref name="username"/> in (see <see cref="SingleSignOnSignIns"/> for how often).</summary>
    public async Task<UserRejection?> RecordSingleSignOnAsync(string username, AppendMetadata metadata, CancellationToken cancellationToken) =>
        (await streams.ExecuteAsync(username, _ => new SignInThroughProxy(), metadata with { Actor = username }, cancellationToken)).Decision.Rejection;

    /// <summary>When <paramref name="username"/> last signed in with <paramref name="method"/>, as the log says.</summary>
    public async Task<DateTimeOffset?> LastSignInAsync(string username, string method, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT max(at) FROM registry.sign_ins WHERE username = $1 AND succeeded AND method = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        command.Parameters.Add(new NpgsqlParameter { Value = method });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    public async Task<UserSummary?> FindUserAsync(string username, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(UserColumns + " WHERE username = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
    }

    public async Task<(IReadOnlyList<UserSummary> Items, long Total)> ListUsersAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(UserColumns + " ORDER BY username LIMIT $1 OFFSET $2");
        command.Parameters.Add(new NpgsqlParameter { Value = pageSize });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)(page - 1) * pageSize });
        var items = new List<UserSummary>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(ReadUser(reader));
            }
        }

        await using var count = dataSource.CreateCommand("SELECT count(*) FROM registry.users");
        return (items, (long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }

    public async Task<IReadOnlyList<TokenSummary>> ListTokensAsync(string username, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.id, t.username, t.name, t.created_at, t.created_by, t.expires_at, t.revoked_at, u.last_used_at
            FROM registry.user_tokens t LEFT JOIN registry.token_usage u ON u.token_id = t.id
            WHERE t.username = $1 ORDER BY t.created_at DESC
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        var tokens = new List<TokenSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new TokenSummary(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
                NullableTime(reader, 5), NullableTime(reader, 6), NullableTime(reader, 7)));
        }

        return tokens;
    }

    public async Task<IReadOnlyList<SignInRecord>> SignInsAsync(string username, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT position, username, at, succeeded, method, reason, ip, client FROM registry.sign_ins WHERE username = $1 ORDER BY position DESC LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var records = new List<SignInRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new SignInRecord(
                reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3),
                NullableString(reader, 4), NullableString(reader, 5), NullableString(reader, 6), NullableString(reader, 7)));
        }

        return records;
    }

    private const string UserColumns = """
        SELECT username, display_name, email, roles, source, created_at, created_by, has_password, password_changed_at, locked_until, last_sign_in_at
        FROM registry.users
        """;

    private static UserSummary ReadUser(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), NullableString(reader, 2), reader.GetFieldValue<string[]>(3), reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetBoolean(7), NullableTime(reader, 8), NullableTime(reader, 9), NullableTime(reader, 10));

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private async Task<bool> VerifyPasswordAsync(string username, string password, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT password_hash FROM registry.user_passwords WHERE username = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        if (await command.ExecuteScalarAsync(cancellationToken) is not string hash)
        {
            Hasher.VerifyHashedPassword("", DecoyHash, password);
            return false;
        }

        var result = Hasher.VerifyHashedPassword(username, hash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await StorePasswordAsync(username, password, cancellationToken);
        }

        return result != PasswordVerificationResult.Failed;
    }

    private async Task StorePasswordAsync(string username, string password, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO registry.user_passwords (username, password_hash, changed_at) VALUES ($1, $2, now())
            ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, changed_at = EXCLUDED.changed_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = username });
        command.Parameters.Add(new NpgsqlParameter { Value = Hasher.HashPassword(username, password) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
