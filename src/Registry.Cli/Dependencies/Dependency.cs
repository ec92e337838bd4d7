// One package a model version was built with, as the API takes it (CONTRACT section 2): the
// ecosystem (pypi, conda, cran, nuget, … or a purl type), the name, the version and, when the
// source file pins exactly one artifact by SHA-256, that hash.
namespace Registry.Cli.Dependencies;

public sealed record Dependency(string Ecosystem, string Name, string Version, string? Sha256 = null);

/// <summary>What a dependency file held: the packages, plus notes a person should read (includes followed, unpinned versions…).</summary>
public sealed record DependencySet(string Format, string Path, IReadOnlyList<Dependency> Dependencies, IReadOnlyList<string> Notes);

/// <summary>A dependency file that cannot be read as claimed (or at all), naming the file and, when known, the line.</summary>
public sealed class DependencyFileException(string message) : Exception(message);

/// <summary>Builds a set: drops exact duplicates, keeps first-seen order, collects notes.</summary>
internal sealed class DependencyCollector
{
    private readonly List<Dependency> _dependencies = [];
    private readonly HashSet<Dependency> _seen = [];

    public List<string> Notes { get; } = [];

    public void Add(Dependency dependency)
    {
        if (_seen.Add(dependency))
        {
            _dependencies.Add(dependency);
        }
    }

    public DependencySet ToSet(string format, string path) => new(format, path, _dependencies, Notes);
}

internal static class Hex
{
    public static bool IsSha256(string value) =>
        value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F');
}
