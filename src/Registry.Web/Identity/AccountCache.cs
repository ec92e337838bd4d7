// What authentication reads on every request — the account behind a personal access token, the
// account behind a portal cookie — kept in memory, so a request costs no database round trip before
// its own work. Staleness is what makes such a cache dangerous (a revoked token must stop working),
// so the cache is only used while a watcher follows the log: any event of any user stream (tokens
// revoked, roles granted or revoked, passwords changed, sign-ins) empties it, on every replica, as
// soon as the commit's NOTIFY arrives; this replica's own changes empty it before the request that made
// them answers. While the watcher is not listening (starting, database away) every request reads the
// database as before. docs/decisions/0011-account-cache.md says why this design.
using System.Collections.Concurrent;
using Npgsql;
using Registry.EventStore;

namespace Registry.Web.Identity;

/// <summary>A personal access token's account as authentication needs it.</summary>
public sealed record CachedToken(string TokenId, string Username, string DisplayName, string[] Roles, DateTimeOffset? ExpiresAt, bool Revoked);

public sealed class AccountCache(TimeProvider time)
{
    /// <summary>An entry older than this is read again even when no event said so (a safety net, not the mechanism).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (CachedToken Token, DateTimeOffset At)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (UserSummary User, DateTimeOffset At)> _users = new(StringComparer.Ordinal);
    private long _generation;
    private long _followed;
    private volatile bool _live;

    /// <summary>True while the watcher follows the log; otherwise nothing is served from memory.</summary>
    public bool IsLive => _live;

    /// <summary>The log position up to which the watcher has looked for account events.</summary>
    public long FollowedPosition => Interlocked.Read(ref _followed);

    /// <summary>Read before a database read whose result may be remembered; see <see cref="Remember(string, CachedToken, long)"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGetToken(string sha256Hex, out CachedToken token) => TryGetFresh(_tokens, sha256Hex, out token);

    public bool TryGetUser(string username, out UserSummary user) => TryGetFresh(_users, username, out user);

    /// <summary>An entry while the cache follows the log and the entry is younger than <see cref="MaxAge"/>.</summary>
    private bool TryGetFresh<T>(ConcurrentDictionary<string, (T Value, DateTimeOffset At)> entries, string key, out T value)
    {
        value = default!;
        if (!_live || !entries.TryGetValue(key, out var entry) || time.GetUtcNow() - entry.At > MaxAge)
        {
            return false;
        }

        value = entry.Value;
        return true;
    }

    /// <summary>
    /// Keeps what was read from the database, unless the cache was emptied since <paramref name="generation"/>
    /// was taken: the read may then predate the change that emptied it.
    /// </summary>
    public void Remember(string sha256Hex, CachedToken token, long generation) =>
        Remember(_tokens, sha256Hex, (token, time.GetUtcNow()), generation);

    public void Remember(UserSummary user, long generation) =>
        Remember(_users, user.Username, (user, time.GetUtcNow()), generation);

    /// <summary>Empties the cache: an account changed, or the watcher lost or regained the log.</summary>
    public void Forget()
    {
        Interlocked.Increment(ref _generation);
        _tokens.Clear();
        _users.Clear();
    }

    internal void Followed(long position) => Interlocked.Exchange(ref _followed, position);

    internal void SetLive(bool live)
    {
        Forget();
        _live = live;
        Forget();
    }

    private void Remember<T>(ConcurrentDictionary<string, T> entries, string key, T value, long generation)
    {
        if (!_live || generation != Generation)
        {
            return;
        }

        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        entries[key] = value;
        if (generation != Generation)
        {
            // Emptied while this was being added: the entry may be older than the change.
            entries.TryRemove(key, out _);
        }
    }
}

/// <summary>Follows the log's NOTIFY and empties <see cref="AccountCache"/> whenever a user stream gained an event.</summary>
public sealed class AccountCacheWatcher(NpgsqlDataSource dataSource, AccountCache cache, TimeProvider time, ILogger<AccountCacheWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning("The account cache stopped following the log ({Message}); accounts are read from the database until it follows again", e.Message);
            }
            finally
            {
                cache.SetLive(false);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {Registry.EventStore.EventStore.NotificationChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Listening first, then reading the head: an event committed in between is both below the
        // head read and announced, so none is missed (at worst one is looked at twice).
        var after = await HeadAsync(connection, stoppingToken);
        cache.Followed(after);
        cache.SetLive(true);
        while (!stoppingToken.IsCancellationRequested)
        {
            await connection.WaitAsync(Poll, stoppingToken);
            after = await ForgetOnAccountChangesAsync(connection, after, stoppingToken);
            cache.Followed(after);
        }
    }

    private static async Task<long> HeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT position FROM registry.log_head", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<long> ForgetOnAccountChangesAsync(NpgsqlConnection connection, long after, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(max(position), $1), count(*) FILTER (WHERE stream LIKE 'user-%') FROM registry.events WHERE position > $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.GetInt64(1) > 0)
        {
            cache.Forget();
        }

        return reader.GetInt64(0);
    }
}
