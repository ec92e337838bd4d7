// The account read model (registry.users, user_tokens, sign_ins) from the `user-*` streams,
// applied inline in the append's transaction so a token works the moment it is issued.
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Registry.Core.Identity;

namespace Registry.EventStore.Projections;

public sealed class UserProjection : IBatchedProjection
{
    private const string StreamPrefix = "user-";

    public string Name => "users";

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddTo(batch, events);
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public void AddTo(NpgsqlBatch batch, IReadOnlyList<StoredEvent> events)
    {
        foreach (var stored in events)
        {
            if (!stored.Stream.StartsWith(StreamPrefix, StringComparison.Ordinal) || UserEventJson.Deserialize(stored.Type, stored.Data) is not { } @event)
            {
                continue;
            }

            var username = stored.Stream[StreamPrefix.Length..];
            foreach (var command in Commands(username, stored, @event))
            {
                batch.BatchCommands.Add(command);
            }

            batch.BatchCommands.Add(Command("UPDATE registry.users SET version = $2 WHERE username = $1", username, stored.Version));
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        // user_passwords and token_usage are not derived from the log (see migrations/0030_identity.sql).
        await using var command = new NpgsqlCommand("TRUNCATE registry.users, registry.user_tokens, registry.sign_ins", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static IEnumerable<NpgsqlBatchCommand> Commands(string username, StoredEvent stored, IUserEvent @event)
    {
        var at = stored.RecordedAt;
        switch (@event)
        {
            case UserCreated e:
                yield return Command(
                    "INSERT INTO registry.users (username, display_name, email, roles, source, created_at, created_by, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    username, e.DisplayName, e.Email, e.Roles.ToArray(), e.Source, at, e.CreatedBy, stored.Version);
                break;
            case RolesGranted e:
                yield return Command("UPDATE registry.users SET roles = ARRAY(SELECT DISTINCT r FROM unnest(roles || $2) r ORDER BY r) WHERE username = $1", username, e.Roles.ToArray());
                break;
            case RolesRevoked e:
                yield return Command("UPDATE registry.users SET roles = ARRAY(SELECT r FROM unnest(roles) r WHERE r <> ALL($2) ORDER BY r) WHERE username = $1", username, e.Roles.ToArray());
                break;
            case PasswordChanged:
                yield return Command("UPDATE registry.users SET has_password = true, password_changed_at = $2 WHERE username = $1", username, at);
                break;
            case TokenIssued e:
                yield return Command(
                    "INSERT INTO registry.user_tokens (id, username, name, sha256, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.TokenId, username, e.Name, Convert.FromHexString(e.Sha256), at, e.IssuedBy, e.ExpiresAt);
                break;
            case TokenRevoked e:
                yield return Command("UPDATE registry.user_tokens SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL", e.TokenId, at, e.RevokedBy);
                break;
            case SignedIn e when e.Method == SignInMethods.Password:
                yield return Command("UPDATE registry.users SET last_sign_in_at = $2, consecutive_failures = 0, locked_until = NULL WHERE username = $1", username, at);
                yield return SignIn(username, stored, succeeded: true, e.Method, reason: null);
                break;
            case SignedIn e:
                // Single sign-on: the lockout guards the password, which this sign-in did not use.
                yield return Command("UPDATE registry.users SET last_sign_in_at = $2 WHERE username = $1", username, at);
                yield return SignIn(username, stored, succeeded: true, e.Method, reason: null);
                break;
            case SignInFailed e:
                if (e.Reason == SignInFailureReasons.WrongPassword)
                {
                    yield return Command("UPDATE registry.users SET consecutive_failures = $2 WHERE username = $1", username, e.ConsecutiveFailures);
                }

                yield return SignIn(username, stored, succeeded: false, method: SignInMethods.Password, e.Reason);
                break;
            case AccountLockedOut e:
                yield return Command("UPDATE registry.users SET locked_until = $2, consecutive_failures = 0 WHERE username = $1", username, e.Until);
                break;
            case AccountUnlocked:
                yield return Command("UPDATE registry.users SET locked_until = NULL, consecutive_failures = 0 WHERE username = $1", username);
                break;
        }
    }

    private static NpgsqlBatchCommand SignIn(string username, StoredEvent stored, bool succeeded, string? method, string? reason) => Command(
        "INSERT INTO registry.sign_ins (position, username, at, succeeded, method, reason, ip, client) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        stored.Position, username, stored.RecordedAt, succeeded, method, reason, Metadata(stored, "ip"), Metadata(stored, "client"));

    private static string? Metadata(StoredEvent stored, string name) =>
        stored.Metadata.ValueKind == JsonValueKind.Object && stored.Metadata.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                DateTimeOffset t => new NpgsqlParameter { Value = t.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        return command;
    }
}
