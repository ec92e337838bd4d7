// Which events an evidence bundle holds: those of one model, or all those recorded in a period.
using System.Globalization;
using Npgsql;

namespace Registry.Web.Features.Evidence;

public abstract record EvidenceScope
{
    /// <summary>The manifest's <c>scope</c>: <c>model:NAME</c> or <c>period:FROM/TO</c> (RFC 3339, UTC, end exclusive).</summary>
    public abstract string Name { get; }

    /// <summary>The download's file name.</summary>
    public abstract string FileName { get; }

    /// <summary>A SQL condition over registry.events selecting the scope's events.</summary>
    internal abstract string Condition { get; }

    internal abstract void Bind(NpgsqlParameterCollection parameters);

    /// <summary>Every event of a model: its stream holds the model, its versions, approvals, deployments and rollback requests.</summary>
    public sealed record Model(string ModelName) : EvidenceScope
    {
        public override string Name => $"model:{ModelName}";

        public override string FileName => $"evidence-{ModelName}.zip";

        internal override string Condition => "stream = @stream";

        internal override void Bind(NpgsqlParameterCollection parameters) => parameters.AddWithValue("stream", ModelStream(ModelName));
    }

    /// <summary>Every event recorded in [From, To).</summary>
    public sealed record Period(DateTimeOffset From, DateTimeOffset To) : EvidenceScope
    {
        public override string Name => $"period:{Rfc3339(From)}/{Rfc3339(To)}";

        public override string FileName => $"evidence-{From.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{To.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.zip";

        internal override string Condition => "(recorded_at >= @from AND recorded_at < @to)";

        internal override void Bind(NpgsqlParameterCollection parameters)
        {
            parameters.AddWithValue("from", From.UtcDateTime);
            parameters.AddWithValue("to", To.UtcDateTime);
        }
    }

    /// <summary>The stream that holds a model's events.</summary>
    public static string ModelStream(string model) => $"model-{model}";

    internal static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
}
