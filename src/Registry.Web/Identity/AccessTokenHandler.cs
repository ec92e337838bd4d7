// `Authorization: Bearer <token>`: the bootstrap admin token from configuration, or a personal
// access token looked up by its SHA-256 (one indexed read, kept in AccountCache while the log says
// the account has not changed).
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;
using Registry.Core.Identity;

namespace Registry.Web.Identity;

/// <summary>The SHA-256 of <c>Registry:Bootstrap:AdminToken</c>, or null when it is not configured.</summary>
public sealed record BootstrapToken(byte[]? Sha256)
{
    public const string AdminUsername = "admin";

    public static BootstrapToken FromConfiguration(IConfiguration configuration) =>
        new(configuration["Registry:Bootstrap:AdminToken"] is { Length: > 0 } token ? PersonalAccessTokens.Hash(token) : null);

    public bool Matches(byte[] sha256) => Sha256 is not null && CryptographicOperations.FixedTimeEquals(Sha256, sha256);
}

internal sealed class AccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    NpgsqlDataSource dataSource,
    BootstrapToken bootstrap,
    AccountCache accounts,
    TokenUsage usage) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private const string Refused = "The token is unknown, expired or revoked.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = header["Bearer ".Length..].Trim();
        if (presented.Length is 0 or > 512)
        {
            return AuthenticateResult.Fail(Refused);
        }

        var hash = PersonalAccessTokens.Hash(presented);
        if (bootstrap.Matches(hash))
        {
            return Success(BootstrapToken.AdminUsername, "Administrator", [Roles.Admin], "bootstrap");
        }

        var key = Convert.ToHexStringLower(hash);
        if (!accounts.TryGetToken(key, out var token))
        {
            var generation = accounts.Generation;
            token = await ReadAsync(hash);
            if (token is null)
            {
                return AuthenticateResult.Fail(Refused);
            }

            accounts.Remember(key, token, generation);
        }

        var now = TimeProvider.GetUtcNow();
        if (token.Revoked || token.ExpiresAt <= now)
        {
            Logger.LogInformation("Refused token {TokenId} of {Username}: expired or revoked", token.TokenId, token.Username);
            return AuthenticateResult.Fail(Refused);
        }

        await usage.TouchAsync(token.TokenId, now, Context.RequestAborted);
        return Success(token.Username, token.DisplayName, token.Roles, token.TokenId);
    }

    private async Task<CachedToken?> ReadAsync(byte[] hash)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.id, t.username, t.expires_at, t.revoked_at IS NOT NULL, u.roles, u.display_name
            FROM registry.user_tokens t JOIN registry.users u ON u.username = t.username
            WHERE t.sha256 = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        await using var reader = await command.ExecuteReaderAsync(Context.RequestAborted);
        return await reader.ReadAsync(Context.RequestAborted)
            ? new CachedToken(
                reader.GetString(0), reader.GetString(1), reader.GetString(5), reader.GetFieldValue<string[]>(4),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3))
            : null;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        AuthenticationProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized,
            Request.Headers.Authorization.Count > 0 ? Refused : AuthenticationProblems.UnauthenticatedDetail);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AuthenticationProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, AuthenticationProblems.ForbiddenDetail(Context));

    private AuthenticateResult Success(string username, string displayName, IEnumerable<string> roles, string tokenId) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            RegistryClaims.Principal(Scheme.Name, username, displayName, roles, new Claim(RegistryClaims.TokenId, tokenId)),
            Scheme.Name));
}

/// <summary>
/// Records when a token was last used, at most once a minute per token and per replica, in
/// registry.token_usage: not an event, see migrations/0030_identity.sql.
/// </summary>
public sealed class TokenUsage(NpgsqlDataSource dataSource)
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _written = new(StringComparer.Ordinal);

    public async Task TouchAsync(string tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_written.TryGetValue(tokenId, out var last) && now - last < Resolution)
        {
            return;
        }

        _written[tokenId] = now;
        await using var command = dataSource.CreateCommand("""
            INSERT INTO registry.token_usage (token_id, last_used_at) VALUES ($1, $2)
            ON CONFLICT (token_id) DO UPDATE SET last_used_at = EXCLUDED.last_used_at WHERE token_usage.last_used_at < EXCLUDED.last_used_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = tokenId });
        command.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
