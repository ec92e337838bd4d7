// "Who changed what": the log itself, read straight from registry.events (the source of truth, not
// a projection), filtered and paged by position. Paging is by key (before/after a position), so the
// millionth event is as quick to reach as the first; nothing here counts the whole table.
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Registry.Web.Features.Audit;

/// <summary>The filters of the audit view, as they appear in its query string.</summary>
public sealed record AuditFilter(string? Actor, string? Model, string? Type, DateTimeOffset? From, DateTimeOffset? To)
{
    public static readonly AuditFilter None = new(null, null, null, null, null);

    public bool IsEmpty => Actor is null && Model is null && Type is null && From is null && To is null;

    /// <summary>Reads the filter from query-string values; blanks mean "any", unreadable times are reported in <paramref name="errors"/>.</summary>
    public static AuditFilter Parse(string? actor, string? model, string? type, string? from, string? to, ICollection<string> errors) =>
        new(Blank(actor), Blank(model), Blank(type), ParseTime(from, "From", errors), ParseTime(to, "To", errors));

    /// <summary>The filter as query-string pairs (blanks left out), for links that keep it.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToQuery()
    {
        if (Actor is not null) { yield return new("actor", Actor); }
        if (Model is not null) { yield return new("model", Model); }
        if (Type is not null) { yield return new("type", Type); }
        if (From is not null) { yield return new("from", FormatTime(From.Value)); }
        if (To is not null) { yield return new("to", FormatTime(To.Value)); }
    }

    public string QueryString(params KeyValuePair<string, string>[] extra)
    {
        var pairs = ToQuery().Concat(extra).ToList();
        return pairs.Count == 0 ? "" : "?" + string.Join("&", pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
    }

    /// <summary>The value a <c>datetime-local</c> input shows: minutes precision, UTC.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DateTimeOffset? ParseTime(string? value, string field, ICollection<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (Components.Ui.AsOf.Parse(value) is { } time)
        {
            return time;
        }

        errors.Add($"{field} is not a date and time (expected e.g. 2026-11-21T14:30, in UTC).");
        return null;
    }
}

/// <summary>One event as the audit view shows it.</summary>
public sealed record AuditEntry(
    long Position,
    string Stream,
    int Version,
    string Type,
    string Actor,
    DateTimeOffset RecordedAt,
    string? Reason,
    string LeafHash,
    string ChainHash,
    string Canonical)
{
    /// <summary>The model a <c>model-{name}</c> stream belongs to, or null for other streams.</summary>
    public string? Model => Stream.StartsWith(AuditLog.ModelStreamPrefix, StringComparison.Ordinal) ? Stream[AuditLog.ModelStreamPrefix.Length..] : null;
}

/// <summary>A page of entries, newest first, with the positions to page from.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? OlderBefore, long? NewerAfter);

public sealed class AuditLog(NpgsqlDataSource dataSource)
{
    public const string ModelStreamPrefix = "model-";
    public const int PageSize = 50;

    /// <summary>
    /// A page of events matching <paramref name="filter"/>, newest first: those before position
    /// <paramref name="before"/>, or (paging back towards the newest) those after <paramref name="after"/>.
    /// </summary>
    public async Task<AuditPage> PageAsync(AuditFilter filter, long? before, long? after, CancellationToken cancellationToken)
    {
        var ascending = after is not null && before is null;
        await using var command = dataSource.CreateCommand();
        var where = Where(filter, command);
        if (ascending)
        {
            where.Add("position > @after");
            command.Parameters.Add(new NpgsqlParameter<long>("after", after!.Value));
        }
        else if (before is not null)
        {
            where.Add("position < @before");
            command.Parameters.Add(new NpgsqlParameter<long>("before", before.Value));
        }

        // One more than a page tells whether another page exists in that direction.
        command.CommandText = Select + WhereClause(where) + (ascending ? " ORDER BY position ASC" : " ORDER BY position DESC") + $" LIMIT {PageSize + 1}";
        var rows = new List<AuditEntry>(PageSize + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Read(reader));
            }
        }

        var more = rows.Count > PageSize;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (ascending)
        {
            rows.Reverse();
        }

        if (rows.Count == 0)
        {
            return new AuditPage(rows, null, null);
        }

        var hasOlder = ascending || more;
        var hasNewer = ascending ? more : before is not null && await ExistsAfterAsync(filter, rows[0].Position, cancellationToken);
        return new AuditPage(rows, hasOlder ? rows[^1].Position : null, hasNewer ? rows[0].Position : null);
    }

    /// <summary>Every matching event, oldest first, for the CSV export.</summary>
    public async IAsyncEnumerable<AuditEntry> AllAsync(AuditFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = Select + WhereClause(Where(filter, command)) + " ORDER BY position ASC";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return Read(reader);
        }
    }

    private const string Select =
        "SELECT position, stream, version, type, actor, recorded_at, metadata->>'reason', leaf_hash, chain_hash, envelope FROM registry.events";

    private async Task<bool> ExistsAfterAsync(AuditFilter filter, long position, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = Where(filter, command);
        where.Add("position > @after");
        command.Parameters.Add(new NpgsqlParameter<long>("after", position));
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM registry.events" + WhereClause(where) + ")";
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static List<string> Where(AuditFilter filter, NpgsqlCommand command)
    {
        var where = new List<string>();
        if (filter.Actor is not null)
        {
            where.Add("actor = @actor");
            command.Parameters.Add(new NpgsqlParameter<string>("actor", filter.Actor));
        }

        if (filter.Model is not null)
        {
            where.Add("stream = @stream");
            command.Parameters.Add(new NpgsqlParameter<string>("stream", ModelStreamPrefix + filter.Model));
        }

        if (filter.Type is not null)
        {
            where.Add("type = @type");
            command.Parameters.Add(new NpgsqlParameter<string>("type", filter.Type));
        }

        if (filter.From is not null)
        {
            where.Add("recorded_at >= @from");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("from", filter.From.Value.UtcDateTime) { NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }

        if (filter.To is not null)
        {
            where.Add("recorded_at < @to");
            command.Parameters.Add(new NpgsqlParameter<DateTime>("to", filter.To.Value.UtcDateTime) { NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }

        return where;
    }

    private static string WhereClause(List<string> where) => where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);

    private static AuditEntry Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt32(2),
        reader.GetString(3),
        reader.GetString(4),
        new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(7)),
        Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(8)),
        Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(9)));
}
