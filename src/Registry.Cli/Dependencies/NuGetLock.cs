// NuGet packages.lock.json: per target framework, every package resolved (direct, transitive,
// central-transitive); project references are not packages and are left out. NuGet's contentHash
// is a SHA-512, so no sha256 is sent; the same package under several frameworks is recorded once.
using System.Text.Json;

namespace Registry.Cli.Dependencies;

public static class NuGetLock
{
    public const string Format = "packages.lock.json";

    public static DependencySet Parse(JsonElement root, string path)
    {
        if (!root.TryGetProperty("dependencies", out var frameworks) || frameworks.ValueKind != JsonValueKind.Object)
        {
            throw new DependencyFileException($"{path}: no \"dependencies\" object; is this a NuGet packages.lock.json?");
        }

        var collector = new DependencyCollector();
        foreach (var framework in frameworks.EnumerateObject())
        {
            foreach (var package in framework.Value.EnumerateObject())
            {
                var type = package.Value.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (type == "Project")
                {
                    continue;
                }

                if (!package.Value.TryGetProperty("resolved", out var resolved) || resolved.GetString() is not { } version)
                {
                    throw new DependencyFileException($"{path}: {framework.Name}/{package.Name} has no \"resolved\" version");
                }

                collector.Add(new Dependency("nuget", package.Name, version));
            }
        }

        return collector.ToSet(Format, path);
    }
}
