// conda environment.yml (as written by hand or by `conda env export`): `dependencies` holds conda
// match specs (`numpy=1.26.4=py311h…`, `conda-forge::pandas==2.1.4`, `python>=3.11`) and possibly a
// nested `pip:` list in requirements syntax, recorded under the pypi ecosystem.
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Registry.Cli.Dependencies;

public static partial class CondaEnvironment
{
    public const string Format = "conda environment";

    public static DependencySet Read(string path) => Parse(File.ReadAllText(path), path);

    public static DependencySet Parse(string text, string path)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new DependencyFileException($"{path}:{e.Start.Line}: not valid YAML: {e.Message}");
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("dependencies"), out var node) || node is not YamlSequenceNode dependencies)
        {
            throw new DependencyFileException($"{path}: no 'dependencies:' list; is this a conda environment file?");
        }

        var collector = new DependencyCollector();
        foreach (var item in dependencies)
        {
            switch (item)
            {
                case YamlScalarNode { Value: { } spec }:
                    collector.Add(MatchSpec(spec, path, item.Start.Line));
                    break;
                case YamlMappingNode mapping when mapping.Children.TryGetValue(new YamlScalarNode("pip"), out var pip) && pip is YamlSequenceNode pipList:
                    var lines = pipList.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList();
                    Requirements.ParseLines(lines, $"{path} (pip section)", collector, include: null);
                    break;
                default:
                    throw new DependencyFileException($"{path}:{item.Start.Line}: a dependency must be a match spec or a 'pip:' list");
            }
        }

        var unpinned = collector.ToSet(Format, path).Dependencies.Count(d => d.Version == "*");
        if (unpinned > 0)
        {
            collector.Notes.Add($"{path}: {unpinned} package(s) without a version; `conda env export` records the exact ones");
        }

        return collector.ToSet(Format, path);
    }

    /// <summary>A conda match spec: <c>[channel::]name[ version[ build]]</c>, <c>name=version[=build]</c>, <c>name==version</c> or <c>name&gt;=x</c>.</summary>
    internal static Dependency MatchSpec(string spec, string path, long line)
    {
        var match = MatchSpecPattern().Match(spec.Trim());
        if (!match.Success)
        {
            throw new DependencyFileException($"{path}:{line}: '{spec}' is not a conda package spec");
        }

        var name = match.Groups["name"].Value.ToLowerInvariant();
        var rest = match.Groups["rest"].Value.Trim();
        string version;
        if (rest.Length == 0)
        {
            version = "*";
        }
        else if (rest.StartsWith("==", StringComparison.Ordinal))
        {
            version = rest[2..].Split([' ', '='], 2)[0];
        }
        else if (rest.StartsWith('=') && rest.Length > 1 && rest[1] is not ('=' or '<' or '>'))
        {
            // name=1.26 is "1.26.*" to conda; name=1.26.4=build is exact. Both are written as given.
            version = rest[1..].Split('=', 2)[0];
        }
        else if (char.IsAsciiDigit(rest[0]))
        {
            version = rest.Split(' ', 2)[0];
        }
        else
        {
            version = Regex.Replace(rest, @"\s+", "");
        }

        return new Dependency("conda", name, version);
    }

    [GeneratedRegex(@"^(?:[^:\s]+::)?(?<name>[A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(?<rest>.*)$")]
    private static partial Regex MatchSpecPattern();
}
