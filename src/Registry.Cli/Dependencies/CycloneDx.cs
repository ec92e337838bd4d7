// CycloneDX JSON SBOMs (1.2 to 1.6): every component, nested ones included, with name, version,
// the ecosystem from its package URL (pkg:pypi/…, pkg:conda/…, pkg:cran/…) and its SHA-256 when listed.
using System.Text.Json;

namespace Registry.Cli.Dependencies;

public static class CycloneDx
{
    public const string Format = "CycloneDX";

    public static DependencySet Parse(JsonElement root, string path)
    {
        var collector = new DependencyCollector();
        var withoutVersion = new List<string>();
        if (root.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Array)
        {
            Collect(components, collector, withoutVersion);
        }

        if (withoutVersion.Count > 0)
        {
            collector.Notes.Add($"{path}: {withoutVersion.Count} component(s) without a version left out ({string.Join(", ", withoutVersion.Take(5))})");
        }

        return collector.ToSet(Format, path);
    }

    private static void Collect(JsonElement components, DependencyCollector collector, List<string> withoutVersion)
    {
        foreach (var component in components.EnumerateArray())
        {
            var purl = component.TryGetProperty("purl", out var p) ? PackageUrl.TryParse(p.GetString()) : null;
            var name = component.TryGetProperty("name", out var n) ? n.GetString() : purl?.Name;
            var version = component.TryGetProperty("version", out var v) ? v.GetString() : purl?.Version;
            if (name is not null)
            {
                if (string.IsNullOrEmpty(version))
                {
                    withoutVersion.Add(name);
                }
                else
                {
                    var ecosystem = purl?.Type ?? "generic";
                    if (ecosystem == "pypi")
                    {
                        name = Requirements.NormalizeName(name);
                    }
                    else if (purl?.Namespace is { Length: > 0 } ns && ecosystem is "maven" or "npm" or "golang" or "github")
                    {
                        name = component.TryGetProperty("group", out var g) && g.GetString() is { Length: > 0 } group ? $"{group}/{name}" : $"{ns}/{name}";
                    }

                    collector.Add(new Dependency(ecosystem, name, version, Sha256Of(component)));
                }
            }

            if (component.TryGetProperty("components", out var nested) && nested.ValueKind == JsonValueKind.Array)
            {
                Collect(nested, collector, withoutVersion);
            }
        }
    }

    private static string? Sha256Of(JsonElement component)
    {
        if (!component.TryGetProperty("hashes", out var hashes) || hashes.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return hashes.EnumerateArray()
            .Where(h => h.TryGetProperty("alg", out var alg) && alg.GetString() == "SHA-256")
            .Select(h => h.TryGetProperty("content", out var c) ? c.GetString()?.ToLowerInvariant() : null)
            .FirstOrDefault(c => c is not null && Hex.IsSha256(c));
    }
}

/// <summary>A package URL (github.com/package-url/purl-spec): <c>pkg:type/namespace/name@version?qualifiers#subpath</c>.</summary>
public sealed record PackageUrl(string Type, string? Namespace, string Name, string? Version)
{
    public static PackageUrl? TryParse(string? purl)
    {
        if (purl is null || !purl.StartsWith("pkg:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var rest = purl[4..].TrimStart('/');
        rest = rest.Split('#', 2)[0].Split('?', 2)[0];
        string? version = null;
        var at = rest.LastIndexOf('@');
        if (at > rest.IndexOf('/', StringComparison.Ordinal) && at >= 0)
        {
            version = Uri.UnescapeDataString(rest[(at + 1)..]);
            rest = rest[..at];
        }

        var parts = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return null;
        }

        var ns = parts.Length > 2 ? string.Join('/', parts[1..^1].Select(Uri.UnescapeDataString)) : null;
        return new PackageUrl(parts[0].ToLowerInvariant(), ns, Uri.UnescapeDataString(parts[^1]), version);
    }
}
