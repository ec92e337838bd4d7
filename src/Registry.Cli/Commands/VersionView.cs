// A version as a person reads it in a terminal. Written against the members the contract names;
// anything else the server adds is left to --json.
using System.Text.Json;

namespace Registry.Cli.Commands;

public static class VersionView
{
    public static void Write(TextWriter o, string model, int number, JsonElement version, Uri portal)
    {
        o.WriteLine($"{model} version {number}: {Text(version, "status")}");
        if (version.TryGetProperty("artifact", out var artifact))
        {
            o.WriteLine($"  artifact      {Text(artifact, "sha256")}  {Text(artifact, "uri")}");
        }

        foreach (var d in Items(version, "datasets"))
        {
            o.WriteLine($"  {Text(d, "role"),-13} {Text(d, "sha256")}  {Text(d, "name")}");
        }

        if (version.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
        {
            o.WriteLine($"  source        {Text(source, "repository")} @ {Text(source, "commit")}");
        }

        var dependencies = Items(version, "dependencies").ToList();
        if (dependencies.Count > 0)
        {
            o.WriteLine($"  dependencies  {dependencies.Count}: {string.Join(", ", dependencies.Take(8).Select(d => $"{Text(d, "name")} {Text(d, "version")}"))}{(dependencies.Count > 8 ? ", …" : "")}");
        }

        if (version.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Object)
        {
            o.WriteLine($"  metrics       {string.Join(", ", metrics.EnumerateObject().Select(m => $"{m.Name}={m.Value}"))}");
        }

        foreach (var a in Items(version, "approvals"))
        {
            o.WriteLine($"  approval      {Text(a, "decision")} by {First(a, "by", "actor", "approver")} {First(a, "at", "recordedAt")} {Text(a, "comment")}".TrimEnd());
        }

        foreach (var d in Items(version, "deployments"))
        {
            o.WriteLine($"  deployed      {Text(d, "environment")} {First(d, "at", "deployedAt", "recordedAt")} {Text(d, "reference")}".TrimEnd());
        }

        o.WriteLine($"  portal        {portal}");
    }

    private static IEnumerable<JsonElement> Items(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    private static string Text(JsonElement element, string property) => ModelCommands.Text(element, property);

    private static string First(JsonElement element, params string[] properties) =>
        properties.Select(p => Text(element, p)).FirstOrDefault(t => t.Length > 0) ?? "";
}
