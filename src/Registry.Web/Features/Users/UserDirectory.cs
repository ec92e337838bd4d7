// Display names for the usernames the log records, from the account read model (registry.users),
// so pages show "山田 花子 @hanako" where the event says "hanako".
using Dapper;
using Npgsql;

namespace Registry.Web.Features.Users;

public sealed class UserDirectory(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyDictionary<string, string>> DisplayNamesAsync(IEnumerable<string?> usernames, CancellationToken cancellationToken)
    {
        var wanted = usernames.OfType<string>().Where(u => u.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        if (wanted.Length == 0)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Username, string DisplayName)>(new CommandDefinition(
            "SELECT username, display_name FROM registry.users WHERE username = ANY(@wanted)", new { wanted }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Username, r => r.DisplayName, StringComparer.Ordinal);
    }
}
