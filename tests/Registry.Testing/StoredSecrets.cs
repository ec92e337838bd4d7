// Where a secret ended up in the database: every row of every table of every user schema, read as
// text, and every bytea column searched for the secret's UTF-8 bytes (a row cast to text shows bytea
// as hex, which would hide a stored response body or an event envelope).
using Npgsql;

namespace Registry.Testing;

public static class StoredSecrets
{
    /// <summary>The tables (<c>schema.table</c>) holding <paramref name="secret"/> in any column, sorted.</summary>
    public static async Task<IReadOnlyList<string>> TablesContainingAsync(NpgsqlDataSource dataSource, string secret)
    {
        var columns = new List<(string Schema, string Table, string Column, bool Bytea)>();
        await using (var list = dataSource.CreateCommand("""
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type = 'bytea'
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg_toast%'
            """))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }

        var found = new List<string>();
        foreach (var table in columns.GroupBy(c => (c.Schema, c.Table)))
        {
            var byteaConditions = table.Where(c => c.Bytea).Select(c => $" OR position(convert_to($1, 'UTF8') in t.{Quote(c.Column)}) > 0");
            await using var count = dataSource.CreateCommand(
                $"SELECT count(*) FROM {Quote(table.Key.Schema)}.{Quote(table.Key.Table)} t WHERE strpos(t::text, $1) > 0{string.Concat(byteaConditions)}");
            count.Parameters.Add(new NpgsqlParameter { Value = secret });
            if ((long)(await count.ExecuteScalarAsync())! > 0)
            {
                found.Add($"{table.Key.Schema}.{table.Key.Table}");
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
