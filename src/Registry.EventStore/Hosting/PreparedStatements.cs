// The product's data sources prepare repeated statements automatically: a request or an append runs
// the same few dozen statements over and over, and prepared once per pooled connection PostgreSQL
// skips parsing and planning them again (docs/benchmarks.md has the CPU per request before and after).
// Only for sources whose schema does not change while they are open: migrations run before.
using Npgsql;

namespace Registry.EventStore.Hosting;

public static class PreparedStatements
{
    /// <summary>Turns automatic preparation on, unless the connection string already chose a setting.</summary>
    public static NpgsqlConnectionStringBuilder UseAutomaticPreparation(this NpgsqlConnectionStringBuilder builder)
    {
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 128;
            builder.AutoPrepareMinUsages = 2;
        }

        return builder;
    }
}
