// Whether a metric moving up is good news. For losses and errors lower is better; for scores higher.
namespace Registry.Web.Features.Diff;

public static class MetricDirection
{
    private static readonly string[] LowerIsBetter = ["loss", "error", "mae", "mse", "rmse", "mape", "smape", "wape", "latency", "brier", "logloss", "perplexity", "fpr", "fnr"];

    public static bool LowerIsBetterFor(string metric)
    {
        var name = metric.ToLowerInvariant();
        return LowerIsBetter.Any(token => name == token || name.Contains(token, StringComparison.Ordinal));
    }

    public static bool IsImprovement(string metric, double delta) => LowerIsBetterFor(metric) ? delta < 0 : delta > 0;
}
