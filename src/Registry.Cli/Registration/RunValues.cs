// metrics.json and params.json as the API takes them (CONTRACT section 2): metrics are numbers;
// parameters are strings, numbers or booleans. Nested objects, as Hydra and many trainers write
// them, are flattened with dotted keys ({"optimizer": {"lr": 0.1}} → "optimizer.lr"); arrays and
// nulls are kept as their JSON text, so nothing the run used is silently dropped.
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Cli.Api;

namespace Registry.Cli.Registration;

public static class RunValues
{
    public static SortedDictionary<string, double> ReadMetrics(string path)
    {
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in Flatten(Load(path, "--metrics")))
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                throw new UsageException($"{path}: metric '{key}' is {Describe(value)}; metrics must be numbers");
            }

            metrics[key] = value.GetDouble();
        }

        return metrics;
    }

    public static SortedDictionary<string, JsonNode> ReadParameters(string path)
    {
        var parameters = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var (key, value) in Flatten(Load(path, "--params")))
        {
            parameters[key] = value.ValueKind switch
            {
                JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => JsonNode.Parse(value.GetRawText())!,
                _ => JsonValue.Create(JsonNode.Parse(value.GetRawText())?.ToJsonString() ?? "null"),
            };
        }

        return parameters;
    }

    private static JsonElement Load(string path, string option)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{option} {path}: no such file");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new UsageException($"{path}: expected a JSON object of name → value");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
    }

    private static IEnumerable<(string Key, JsonElement Value)> Flatten(JsonElement element, string prefix = "")
    {
        foreach (var property in element.EnumerateObject())
        {
            var key = prefix + property.Name;
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var nested in Flatten(property.Value, key + "."))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return (key, property.Value);
            }
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
