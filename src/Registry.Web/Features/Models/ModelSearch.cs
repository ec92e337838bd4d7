// The models list: search, filters, sort and paging, all from the query string, answered by one
// query over the read tables (registry.models, current_deployments). Only the clauses a request
// needs are in its SQL, so PostgreSQL can use the trigram, owner, risk and status indexes. The
// latest version's status is kept on the model's row (migrations/0050), so no filter joins versions.
using System.Text;
using Dapper;
using Npgsql;

namespace Registry.Web.Features.Models;

public sealed record ModelQuery(string? Q, string? Owner, string? RiskTier, string? Status, string? Environment, string Sort, string Direction, int Page, int PageSize)
{
    public const int DefaultPageSize = 25;

    public static readonly IReadOnlyList<string> SortColumns = ["name", "risk", "version", "updated"];

    public static readonly IReadOnlyList<string> Statuses = ["registered", "pending-approval", "approved", "rejected", "none"];

    /// <summary>Cleans what came from the query string: unknown sorts fall back to name, pages to 1, page sizes to 10..100.</summary>
    public static ModelQuery From(string? q, string? owner, string? riskTier, string? status, string? environment, string? sort, string? direction, int? page, int? pageSize) => new(
        Blank(q),
        Blank(owner),
        riskTier is "low" or "medium" or "high" ? riskTier : null,
        status is not null && Statuses.Contains(status) ? status : null,
        Blank(environment),
        sort is not null && SortColumns.Contains(sort) ? sort : "name",
        direction == "desc" ? "desc" : "asc",
        Math.Max(1, page ?? 1),
        Math.Clamp(pageSize ?? DefaultPageSize, 10, 100));

    public bool IsFiltered => Q is not null || Owner is not null || RiskTier is not null || Status is not null || Environment is not null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public sealed record ModelRow(string Name, string? Description, string? Owner, string RiskTier, DateTime UpdatedAt, int LatestVersion, string? LatestStatus, string? Deployed)
{
    /// <summary>Current deployments as (environment, version), production first.</summary>
    public IEnumerable<(string Environment, int Version)> Environments => (Deployed ?? "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('='))
        .Select(parts => (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
}

public sealed record ModelFacets(IReadOnlyList<string> Owners, IReadOnlyList<string> Environments);

public sealed class ModelSearch(NpgsqlDataSource dataSource, SearchTotals totals)
{
    public async Task<(IReadOnlyList<ModelRow> Rows, long Total)> FindAsync(ModelQuery query, CancellationToken cancellationToken)
    {
        // The conditions other than the search, which every plan shares.
        var filters = new StringBuilder();
        var parameters = new DynamicParameters();
        if (query.Q is { } q)
        {
            parameters.Add("pattern", "%" + EscapeLike(q) + "%");
        }

        if (query.Owner is { } owner)
        {
            filters.Append(" AND m.owner = @owner");
            parameters.Add("owner", owner);
        }

        if (query.RiskTier is { } risk)
        {
            filters.Append(" AND m.risk_tier = @risk");
            parameters.Add("risk", risk);
        }

        if (query.Status is "none")
        {
            filters.Append(" AND m.latest_version = 0");
        }
        else if (query.Status is { } status)
        {
            filters.Append(" AND m.latest_status = @status");
            parameters.Add("status", status);
        }

        if (query.Environment is { } environment)
        {
            filters.Append(" AND EXISTS (SELECT 1 FROM registry.current_deployments e WHERE e.model = m.name AND e.environment = @environment)");
            parameters.Add("environment", environment);
        }

        // ILIKE is lower(x) LIKE lower(pattern); the lower-cased text is stored (migrations/0052).
        var where = query.Q is null ? $" WHERE true{filters}" : $" WHERE m.search LIKE lower(@pattern){filters}";

        // Each sort has an index in (sort key, name) order (migrations/0050); the risk expression is
        // the index's own, so it must not change without a migration.
        var order = query.Sort switch
        {
            "risk" => "CASE m.risk_tier WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END",
            "version" => "m.latest_version",
            "updated" => "m.updated_at",
            _ => "m.name",
        };
        var direction = query.Direction == "desc" ? "DESC" : "ASC";
        var offset = (long)(query.Page - 1) * query.PageSize;
        parameters.Add("limit", query.PageSize);
        parameters.Add("offset", offset);
        var key = Key(query);

        // The page is chosen first (only the columns it needs), then the 25 rows are decorated with
        // their deployments: per-row lookups never run for the skipped rows.
        const string from = " FROM registry.models m";
        var pageOrder = $"ORDER BY {order} {direction}, m.name {direction} LIMIT @limit OFFSET @offset";
        var page = (query.Q is null ? (SearchPlan?)null : totals.Plan(key, offset, query.PageSize)) switch
        {
            null => $"page AS (SELECT m.name, {order} AS sort_key{from}{where} {pageOrder})",
            // A common word (decision 0013): the index of the sort is walked and each model filtered
            // until the page is full. `m.search || ''` is the same text in a form the trigram index
            // cannot answer, so with sequential scans off the walk is the only plan left.
            SearchPlan.OrderIndex => $"page AS (SELECT m.name, {order} AS sort_key{from} WHERE (m.search || '') LIKE lower(@pattern){filters} {pageOrder})",
            // A rare word: every match from the trigram index, then the page. MATERIALIZED keeps the
            // planner from walking the sort's index on a guess that the word is common.
            _ => $"matches AS MATERIALIZED (SELECT m.name, {order} AS sort_key{from}{where}), " +
                 $"page AS (SELECT m.name, m.sort_key FROM matches m ORDER BY m.sort_key {direction}, m.name {direction} LIMIT @limit OFFSET @offset)",
        };
        var sql = $"""
            WITH {page}
            SELECT m.name, m.description, m.owner, m.risk_tier AS RiskTier, m.updated_at AS UpdatedAt, m.latest_version AS LatestVersion, m.latest_status AS LatestStatus,
                   (SELECT string_agg(c.environment || '=' || c.version, ',' ORDER BY c.environment <> 'production', c.environment) FROM registry.current_deployments c WHERE c.model = m.name) AS Deployed
            FROM page
            JOIN registry.models m ON m.name = page.name
            ORDER BY page.sort_key {direction}, page.name {direction};
            {SearchTotals.Sql($"SELECT count(*){from}{where}", "@knownHead", "@knownTotal")};
            """;
        var (knownHead, knownTotal) = totals.Remembered(key);
        parameters.Add("knownHead", knownHead);
        parameters.Add("knownTotal", knownTotal);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (query.Q is not null)
        {
            // ILIKE is costed as nearly free per row, so the planner prefers a sequential scan of every
            // model; the trigram index answers a substring search in well under a millisecond instead,
            // and a common word's walk of the sort's index is then the only plan its query has.
            await connection.ExecuteAsync(new CommandDefinition("SET LOCAL enable_seqscan = off", transaction: transaction, cancellationToken: cancellationToken));
        }

        List<ModelRow> rows;
        long total;
        // The multi-result reader must be closed before COMMIT: committing with it open leaves the
        // pooled connection mid-protocol, and the next request to get that connection fails.
        await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)))
        {
            rows = (await results.ReadAsync<ModelRow>()).ToList();
            var (head, counted, models) = await results.ReadSingleAsync<(long, long, long?)>();
            totals.Remember(key, head, counted, models ?? -1);
            total = counted;
        }

        await transaction.CommitAsync(cancellationToken);
        return (rows, total);
    }

    /// <summary>
    /// The owners and environments the filters offer. There are few of each over many rows (50 owners
    /// and 2 environments over 10,000 models at benchmark scale), and SELECT DISTINCT read every row
    /// (8 ms for the 20,000 current deployments), so each next value is one index probe past the last.
    /// </summary>
    public async Task<ModelFacets> FacetsAsync(CancellationToken cancellationToken)
    {
        const string Sql = """
            WITH RECURSIVE o AS (
                (SELECT owner FROM registry.models WHERE owner IS NOT NULL ORDER BY owner LIMIT 1)
                UNION ALL
                SELECT (SELECT m.owner FROM registry.models m WHERE m.owner > o.owner ORDER BY m.owner LIMIT 1) FROM o WHERE o.owner IS NOT NULL)
            SELECT owner FROM o WHERE owner IS NOT NULL LIMIT 500;
            WITH RECURSIVE e AS (
                (SELECT environment FROM registry.current_deployments ORDER BY environment LIMIT 1)
                UNION ALL
                SELECT (SELECT c.environment FROM registry.current_deployments c WHERE c.environment > e.environment ORDER BY c.environment LIMIT 1) FROM e WHERE e.environment IS NOT NULL)
            SELECT environment FROM e WHERE environment IS NOT NULL;
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, cancellationToken: cancellationToken));
        var owners = await results.ReadAsync<string>();
        var environments = await results.ReadAsync<string>();
        return new ModelFacets([.. owners], [.. environments]);
    }

    /// <summary>The key under which <see cref="SearchTotals"/> remembers a portal search.</summary>
    public static string Key(ModelQuery query) => SearchTotals.Key("portal", query.Q, query.Owner, query.RiskTier, query.Status, query.Environment);

    private static string EscapeLike(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
