// requirements.txt and `pip freeze` output (pip's requirements file format): comments, line
// continuations, extras, environment markers, --hash options, editable installs (-e), direct
// references (name @ URL) and includes (-r, followed and reported). Markers are kept as declared
// (not evaluated): the file says what the environment may install, and that is what is recorded.
using System.Text;
using System.Text.RegularExpressions;

namespace Registry.Cli.Dependencies;

public static partial class Requirements
{
    public const string Format = "requirements";

    public static DependencySet Read(string path)
    {
        var collector = new DependencyCollector();
        ReadInto(path, collector, new HashSet<string>(StringComparer.Ordinal), includedFrom: null);
        var unpinned = collector.ToSet(Format, path).Dependencies.Where(d => d.Version == "*" || !IsPinned(d.Version)).Select(d => $"{d.Name}{(d.Version == "*" ? "" : d.Version)}").ToList();
        if (unpinned.Count > 0)
        {
            collector.Notes.Add($"{unpinned.Count} requirement(s) not pinned to one version ({string.Join(", ", unpinned.Take(5))}{(unpinned.Count > 5 ? ", …" : "")}): record `pip freeze` output for the exact set");
        }

        return collector.ToSet(Format, path);
    }

    /// <summary>Parses requirement lines (as in a file, or a conda environment's pip section) into <paramref name="collector"/>.</summary>
    internal static void ParseLines(IEnumerable<string> rawLines, string source, DependencyCollector collector, Func<string, string>? include)
    {
        string? editableHint = null;
        var lineNumber = 0;
        foreach (var (text, number) in LogicalLines(rawLines))
        {
            lineNumber = number;
            var trimmed = text.Trim();
            if (trimmed.StartsWith('#'))
            {
                // pip freeze writes the name and version of an editable install without VCS in a comment above it.
                var hint = EditableHint().Match(trimmed);
                editableHint = hint.Success ? trimmed : null;
                continue;
            }

            var line = StripComment(text).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                ParseLine(line, source, collector, include, editableHint);
            }
            catch (DependencyFileException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
            {
                throw new DependencyFileException($"{source}:{lineNumber}: {e.Message}");
            }

            editableHint = null;
        }
    }

    private static void ReadInto(string path, DependencyCollector collector, HashSet<string> visiting, string? includedFrom)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new DependencyFileException(includedFrom is null ? $"{path}: no such file" : $"{includedFrom}: includes '{path}', which does not exist");
        }

        if (!visiting.Add(full))
        {
            throw new DependencyFileException($"{path}: includes itself (through -r)");
        }

        ParseLines(File.ReadLines(full), path, collector, included =>
        {
            var target = Path.IsPathRooted(included) ? included : Path.Combine(Path.GetDirectoryName(full)!, included);
            ReadInto(target, collector, visiting, path);
            return target;
        });
        visiting.Remove(full);
    }

    private static void ParseLine(string line, string source, DependencyCollector collector, Func<string, string>? include, string? editableHint)
    {
        if (line.StartsWith('-'))
        {
            var (option, value) = SplitOption(line);
            switch (option)
            {
                case "-r" or "--requirement":
                    if (include is null)
                    {
                        throw new DependencyFileException($"'{line}': an include cannot be followed here");
                    }

                    var target = include(value);
                    collector.Notes.Add($"{source}: included {target} (-r)");
                    return;
                case "-c" or "--constraint":
                    collector.Notes.Add($"{source}: constraints file {value} not read (-c limits versions, it installs nothing)");
                    return;
                case "-e" or "--editable":
                    collector.Add(Editable(value, editableHint));
                    collector.Notes.Add($"{source}: editable install {value} (its code is whatever the folder or ref held at training time)");
                    return;
                case "-i" or "--index-url" or "--extra-index-url" or "-f" or "--find-links" or "--trusted-host" or "--pre"
                    or "--no-binary" or "--only-binary" or "--prefer-binary" or "--require-hashes" or "--no-index" or "--use-feature":
                    return;
                default:
                    throw new DependencyFileException($"unknown pip option '{option}'");
            }
        }

        collector.Add(Requirement(line));
    }

    /// <summary>One requirement specifier: <c>name[extras] (specifiers | @ url) [; markers] [--hash=…]</c>.</summary>
    internal static Dependency Requirement(string line)
    {
        var hashes = new List<string>();
        var withoutHashes = HashOption().Replace(line, m =>
        {
            hashes.Add(m.Groups["alg"].Value.ToLowerInvariant() + ":" + m.Groups["hex"].Value.ToLowerInvariant());
            return "";
        }).Trim();
        var semicolon = MarkerSeparator().Match(withoutHashes);
        var requirement = (semicolon.Success ? withoutHashes[..semicolon.Index] : withoutHashes).Trim();

        var match = RequirementPattern().Match(requirement);
        if (!match.Success)
        {
            throw new DependencyFileException($"'{line}' is not a requirement (expected e.g. 'numpy==1.26.4')");
        }

        var name = NormalizeName(match.Groups["name"].Value);
        var url = match.Groups["url"].Value.Trim();
        var specifier = Regex.Replace(match.Groups["spec"].Value, @"\s+", "").Trim('(', ')');
        string version;
        if (url.Length > 0)
        {
            version = WheelVersion(url, name) ?? url;
            var fragment = UrlSha256().Match(url);
            if (fragment.Success)
            {
                hashes.Add("sha256:" + fragment.Groups["hex"].Value.ToLowerInvariant());
            }
        }
        else if (specifier.StartsWith("===", StringComparison.Ordinal))
        {
            version = specifier[3..];
        }
        else if (specifier.StartsWith("==", StringComparison.Ordinal) && !specifier.Contains(',') && !specifier.Contains('*'))
        {
            version = specifier[2..];
        }
        else
        {
            version = specifier.Length == 0 ? "*" : specifier;
        }

        var sha256 = hashes.Where(h => h.StartsWith("sha256:", StringComparison.Ordinal)).Select(h => h[7..]).Distinct().ToList();
        return new Dependency("pypi", name, version, sha256.Count == 1 && Hex.IsSha256(sha256[0]) ? sha256[0] : null);
    }

    /// <summary>PEP 503: lowercase, runs of '-', '_' and '.' become one '-'.</summary>
    public static string NormalizeName(string name) => NameSeparators().Replace(name.Trim(), "-").ToLowerInvariant();

    private static bool IsPinned(string version) => !version.StartsWith('<') && !version.StartsWith('>') && !version.StartsWith('~') && !version.StartsWith('!') && !version.StartsWith('=');

    private static Dependency Editable(string target, string? hint)
    {
        var hinted = hint is null ? null : EditableHint().Match(hint);
        var egg = EggFragment().Match(target);
        var name = hinted is { Success: true } ? hinted.Groups["name"].Value
            : egg.Success ? egg.Groups["name"].Value
            : Path.GetFileName(target.TrimEnd('/', '\\').Split('#')[0].Split('@')[0]);
        if (name.Length == 0)
        {
            throw new DependencyFileException($"-e {target}: cannot tell the package name (add #egg=NAME)");
        }

        // The honest version of an editable install is where its code came from: the VCS URL and ref, or the folder.
        var version = hinted is { Success: true } ? hinted.Groups["version"].Value : target.Split('#')[0];
        return new Dependency("pypi", NormalizeName(name), version);
    }

    private static (string Option, string Value) SplitOption(string line)
    {
        var equals = line.IndexOf('=', StringComparison.Ordinal);
        var space = line.IndexOfAny([' ', '\t']);
        if (line.StartsWith("--", StringComparison.Ordinal) && equals > 0 && (space < 0 || equals < space))
        {
            return (line[..equals], line[(equals + 1)..].Trim());
        }

        if (space < 0)
        {
            // "-rfile.txt" and "-e." are accepted by pip too
            return line.Length > 2 && !line.StartsWith("--", StringComparison.Ordinal) ? (line[..2], line[2..]) : (line, "");
        }

        return (line[..space], line[(space + 1)..].Trim());
    }

    private static string? WheelVersion(string url, string name)
    {
        var file = Uri.UnescapeDataString(url.Split('#')[0].Split('?')[0].TrimEnd('/').Split('/')[^1]);
        var wheel = WheelFile().Match(file);
        if (wheel.Success && NormalizeName(wheel.Groups["name"].Value) == name)
        {
            return wheel.Groups["version"].Value;
        }

        var sdist = SdistFile().Match(file);
        return sdist.Success && NormalizeName(sdist.Groups["name"].Value) == name ? sdist.Groups["version"].Value : null;
    }

    private static string StripComment(string line)
    {
        var comment = CommentPattern().Match(line);
        return comment.Success ? line[..comment.Index] : line;
    }

    private static IEnumerable<(string Text, int LineNumber)> LogicalLines(IEnumerable<string> lines)
    {
        var pending = new StringBuilder();
        var start = 0;
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            if (pending.Length == 0)
            {
                start = number;
            }

            var line = raw.TrimEnd('\r');
            if (line.EndsWith('\\') && !line.TrimStart().StartsWith('#'))
            {
                pending.Append(line, 0, line.Length - 1).Append(' ');
                continue;
            }

            pending.Append(line);
            yield return (pending.ToString(), start);
            pending.Clear();
        }

        if (pending.Length > 0)
        {
            yield return (pending.ToString(), start);
        }
    }

    [GeneratedRegex(@"(^|\s)#.*$")]
    private static partial Regex CommentPattern();

    [GeneratedRegex(@"--hash[=\s]\s*(?<alg>[a-zA-Z0-9]+):(?<hex>[0-9a-fA-F]+)")]
    private static partial Regex HashOption();

    [GeneratedRegex(@";(?=(?:[^""']|""[^""]*""|'[^']*')*$)")]
    private static partial Regex MarkerSeparator();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?<extras>[^\]]*)\])?\s*(?:@\s*(?<url>\S+)|(?<spec>\(?\s*(?:(?:===|==|!=|<=|>=|~=|<|>)\s*[^,\s;()]+\s*,?\s*)*\)?))\s*$")]
    private static partial Regex RequirementPattern();

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex NameSeparators();

    [GeneratedRegex(@"#(?:.*&)?egg=(?<name>[A-Za-z0-9._-]+)")]
    private static partial Regex EggFragment();

    [GeneratedRegex(@"\((?<name>[A-Za-z0-9._-]+)==(?<version>[^)\s]+)\)")]
    private static partial Regex EditableHint();

    [GeneratedRegex(@"[#&]sha256=(?<hex>[0-9a-fA-F]{64})")]
    private static partial Regex UrlSha256();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9._]+?)-(?<version>[0-9][^-]*)(?:-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$")]
    private static partial Regex WheelFile();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9._-]+?)-(?<version>[0-9][A-Za-z0-9.+!_-]*)\.(?:tar\.gz|zip|tar\.bz2)$")]
    private static partial Regex SdistFile();
}
