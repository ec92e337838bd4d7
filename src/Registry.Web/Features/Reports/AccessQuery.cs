// The access report's facts, from the account streams (`user-*`) up to the checkpoint: who holds
// which role, who granted it and when (the latest grant still in force), every grant and revocation,
// sign-ins and tokens. Token last use comes from registry.token_usage, which is deliberately not in
// the log (docs/identity.md).
using System.Text.Json;
using Npgsql;
using Registry.Core.Identity;
using Registry.Web.Features.Evidence;
using Registry.Web.Features.Users;

namespace Registry.Web.Features.Reports;

public sealed class AccessQuery(NpgsqlDataSource dataSource, UserDirectory users, CheckpointSource checkpoints, TimeProvider time)
{
    private const string UserStreamPrefix = "user-";

    public async Task<AccessReport> BuildAsync(string generatedBy, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.CurrentAsync(cancellationToken);
        var accounts = new SortedDictionary<string, Account>(StringComparer.Ordinal);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            "SELECT stream, type, recorded_at, data::text FROM registry.events WHERE stream LIKE 'user-%' AND position <= @size ORDER BY position", connection))
        {
            command.Parameters.AddWithValue("size", checkpoint?.TreeSize ?? long.MaxValue);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var username = reader.GetString(0)[UserStreamPrefix.Length..];
                using var data = JsonDocument.Parse(reader.GetString(3));
                var @event = UserEventJson.Deserialize(reader.GetString(1), data.RootElement);
                var account = accounts.TryGetValue(username, out var known) ? known : accounts[username] = new Account(username);
                account.Apply(@event, new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero));
            }
        }

        var lastUse = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT token_id, last_used_at FROM registry.token_usage", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                lastUse[reader.GetString(0)] = new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero);
            }
        }

        var everyone = accounts.Values.SelectMany(a => a.People()).Append(generatedBy);
        var names = await users.DisplayNamesAsync(everyone, cancellationToken);
        Person P(string username) => new(username, names.GetValueOrDefault(username));

        return new AccessReport(
            [.. accounts.Values.Where(a => a.CreatedAt is not null).Select(a => a.Facts(P, lastUse))],
            checkpoint?.Summary,
            time.GetUtcNow(),
            P(generatedBy));
    }

    /// <summary>One account folded from its stream, keeping who did what (the envelope's actor) and when.</summary>
    private sealed class Account(string username)
    {
        private readonly Dictionary<string, (string By, DateTimeOffset At)> _roles = new(StringComparer.Ordinal);
        private readonly List<RoleChange> _history = [];
        private readonly Dictionary<string, Token> _tokens = new(StringComparer.Ordinal);

        public DateTimeOffset? CreatedAt { get; private set; }

        private string? _createdBy;
        private string? _source;
        private DateTimeOffset? _lastSignIn;
        private int _signIns;
        private int _failures;
        private int _lockouts;

        public void Apply(IUserEvent? @event, DateTimeOffset at)
        {
            switch (@event)
            {
                case UserCreated e:
                    CreatedAt = at;
                    _createdBy = e.CreatedBy;
                    _source = e.Source;
                    Grant(e.Roles, e.CreatedBy, at);
                    break;
                case RolesGranted e:
                    Grant(e.Roles, e.GrantedBy, at);
                    break;
                case RolesRevoked e:
                    foreach (var role in e.Roles)
                    {
                        _roles.Remove(role);
                    }

                    _history.Add(new RoleChange(at, e.RevokedBy, [], e.Roles));
                    break;
                case TokenIssued e:
                    _tokens[e.TokenId] = new Token(e.TokenId, e.Name, at, e.IssuedBy, e.ExpiresAt, null);
                    break;
                case TokenRevoked e when _tokens.TryGetValue(e.TokenId, out var token):
                    _tokens[e.TokenId] = token with { RevokedAt = at };
                    break;
                case SignedIn:
                    _signIns++;
                    _lastSignIn = at;
                    break;
                case SignInFailed:
                    _failures++;
                    break;
                case AccountLockedOut:
                    _lockouts++;
                    break;
                default:
                    break;
            }
        }

        public IEnumerable<string> People() =>
            new[] { username, _createdBy ?? "" }.Concat(_roles.Values.Select(r => r.By)).Concat(_history.Select(h => h.By)).Concat(_tokens.Values.Select(t => t.IssuedBy));

        public UserAccessFacts Facts(Func<string, Person> person, IReadOnlyDictionary<string, DateTimeOffset> lastUse) => new(
            person(username),
            _roles.Count > 0,
            CreatedAt!.Value,
            _createdBy is null ? null : person(_createdBy),
            _source ?? "",
            [.. _roles.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new RoleGrantFacts(r.Key, person(r.Value.By), r.Value.At))],
            [.. _history.Select(h => new RoleChangeFacts(h.At, person(h.By), h.Granted, h.Revoked))],
            _lastSignIn,
            _signIns,
            _failures,
            _lockouts,
            [.. _tokens.Values.OrderBy(t => t.IssuedAt).Select(t => new TokenFacts(t.Name, t.IssuedAt, person(t.IssuedBy), t.ExpiresAt, t.RevokedAt, lastUse.TryGetValue(t.Id, out var used) ? used : null))]);

        private void Grant(IReadOnlyList<string> roles, string by, DateTimeOffset at)
        {
            foreach (var role in roles)
            {
                _roles[role] = (by, at);
            }

            if (roles.Count > 0)
            {
                _history.Add(new RoleChange(at, by, roles, []));
            }
        }

        private sealed record RoleChange(DateTimeOffset At, string By, IReadOnlyList<string> Granted, IReadOnlyList<string> Revoked);

        private sealed record Token(string Id, string Name, DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);
    }
}
