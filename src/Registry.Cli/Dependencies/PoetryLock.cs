// poetry.lock: TOML written by Poetry. Only what a dependency record needs is read: every
// [[package]] table's name and version, its source when it is not an index (git, url, directory),
// and the file hashes, both in the current `files = [{file, hash}, …]` layout and the older
// [metadata.files] table. A small reader for that subset of TOML, careful about strings (escapes,
// '#' inside quotes, multi-line strings) rather than a general TOML parser.
using System.Text;

namespace Registry.Cli.Dependencies;

public static class PoetryLock
{
    public const string Format = "poetry.lock";

    public static DependencySet Read(string path) => Parse(File.ReadAllText(path), path);

    public static DependencySet Parse(string text, string path)
    {
        var packages = new List<PackageEntry>();
        var legacyFiles = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        PackageEntry? current = null;
        string table = "";
        var reader = new TomlLines(text, path);
        while (reader.Next() is { } line)
        {
            if (line.StartsWith("[[", StringComparison.Ordinal))
            {
                table = line.Trim('[', ']', ' ');
                current = table == "package" ? new PackageEntry(reader.LineNumber) : null;
                if (current is not null)
                {
                    packages.Add(current);
                }

                continue;
            }

            if (line.StartsWith('['))
            {
                table = line.Trim('[', ']', ' ');
                continue;
            }

            var equals = KeyEnd(line);
            if (equals < 0)
            {
                throw new DependencyFileException($"{path}:{reader.LineNumber}: expected 'key = value', found '{line}'");
            }

            var key = Unquote(line[..equals].Trim());
            var value = line[(equals + 1)..].Trim();
            if (value.StartsWith('[') && !BracketsBalanced(value))
            {
                value = reader.ContinueArray(value);
            }

            if (table == "package" && current is not null)
            {
                switch (key)
                {
                    case "name": current.Name = TomlString(value, path, reader.LineNumber); break;
                    case "version": current.Version = TomlString(value, path, reader.LineNumber); break;
                    case "files": current.Hashes.AddRange(Sha256Hashes(value)); break;
                }
            }
            else if (table == "package.source" && current is not null)
            {
                current.Source[key] = value.StartsWith('"') || value.StartsWith('\'') ? TomlString(value, path, reader.LineNumber) : value;
            }
            else if (table == "metadata.files")
            {
                legacyFiles[key] = [.. Sha256Hashes(value)];
            }
        }

        if (packages.Count == 0)
        {
            throw new DependencyFileException($"{path}: no [[package]] tables; is this a poetry.lock?");
        }

        var collector = new DependencyCollector();
        var multiple = 0;
        foreach (var package in packages)
        {
            if (package.Name is null || package.Version is null)
            {
                throw new DependencyFileException($"{path}:{package.Line}: a [[package]] without name or version");
            }

            var name = Requirements.NormalizeName(package.Name);
            var hashes = package.Hashes.Count > 0 ? package.Hashes : legacyFiles.GetValueOrDefault(package.Name) ?? legacyFiles.GetValueOrDefault(name) ?? [];
            var distinct = hashes.Distinct(StringComparer.Ordinal).ToList();
            if (distinct.Count > 1)
            {
                multiple++;
            }

            var version = package.Version;
            if (package.Source.TryGetValue("type", out var type) && type is "git" or "url" or "directory" or "file")
            {
                var reference = package.Source.GetValueOrDefault("resolved_reference") ?? package.Source.GetValueOrDefault("reference");
                version = $"{package.Version} ({type} {package.Source.GetValueOrDefault("url")}{(reference is null ? "" : "@" + reference)})";
            }

            collector.Add(new Dependency("pypi", name, version, distinct.Count == 1 ? distinct[0] : null));
        }

        if (multiple > 0)
        {
            collector.Notes.Add($"{path}: {multiple} package(s) list several files (wheels per platform); which one was installed is not in the lock file, so no single sha256 is recorded for them");
        }

        return collector.ToSet(Format, path);
    }

    private sealed class PackageEntry(int line)
    {
        public int Line { get; } = line;
        public string? Name { get; set; }
        public string? Version { get; set; }
        public List<string> Hashes { get; } = [];
        public Dictionary<string, string> Source { get; } = new(StringComparer.Ordinal);
    }

    private static IEnumerable<string> Sha256Hashes(string arrayText)
    {
        foreach (var s in QuotedStrings(arrayText))
        {
            if (s.StartsWith("sha256:", StringComparison.Ordinal) && Hex.IsSha256(s[7..]))
            {
                yield return s[7..].ToLowerInvariant();
            }
        }
    }

    /// <summary>Every basic or literal string in a fragment of TOML, unescaped.</summary>
    internal static IEnumerable<string> QuotedStrings(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] is '"' or '\'')
            {
                var (value, end) = ReadString(text, i);
                yield return value;
                i = end;
            }
            else
            {
                i++;
            }
        }
    }

    private static string TomlString(string value, string path, int line)
    {
        if (value.Length == 0 || value[0] is not ('"' or '\''))
        {
            throw new DependencyFileException($"{path}:{line}: expected a string, found '{value}'");
        }

        return ReadString(value, 0).Value;
    }

    private static string Unquote(string key) => key.Length > 0 && key[0] is '"' or '\'' ? ReadString(key, 0).Value : key;

    private static (string Value, int End) ReadString(string text, int start)
    {
        var quote = text[start];
        var result = new StringBuilder();
        var i = start + 1;
        while (i < text.Length && text[i] != quote)
        {
            if (quote == '"' && text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                switch (text[i])
                {
                    case 'n': result.Append('\n'); break;
                    case 't': result.Append('\t'); break;
                    case 'r': result.Append('\r'); break;
                    case 'u' when i + 4 < text.Length: result.Append((char)Convert.ToInt32(text.Substring(i + 1, 4), 16)); i += 4; break;
                    default: result.Append(text[i]); break;
                }
            }
            else
            {
                result.Append(text[i]);
            }

            i++;
        }

        return (result.ToString(), Math.Min(i + 1, text.Length));
    }

    /// <summary>Where the key ends: the first '=' outside quotes.</summary>
    private static int KeyEnd(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            if (quote is null && line[i] == '=')
            {
                return i;
            }

            if (line[i] is '"' or '\'')
            {
                quote = quote is null ? line[i] : quote == line[i] ? null : quote;
            }
        }

        return -1;
    }

    internal static bool BracketsBalanced(string text)
    {
        var depth = 0;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == '\\' && quote == '"')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#')
            {
                break;
            }
            else if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }
        }

        return depth <= 0;
    }

    /// <summary>Logical TOML lines: comments stripped outside strings, multi-line strings skipped whole.</summary>
    private sealed class TomlLines(string text, string path)
    {
        private readonly string[] _lines = text.ReplaceLineEndings("\n").Split('\n');
        private int _index;

        public int LineNumber => _index;

        public string? Next()
        {
            while (_index < _lines.Length)
            {
                var line = StripComment(_lines[_index++]).Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                var triple = line.Contains("\"\"\"", StringComparison.Ordinal) ? "\"\"\"" : line.Contains("'''", StringComparison.Ordinal) ? "'''" : null;
                if (triple is not null && CountOf(line, triple) % 2 == 1)
                {
                    // a multi-line string (descriptions): nothing we need is in it; skip to its end
                    while (_index < _lines.Length && !_lines[_index++].Contains(triple, StringComparison.Ordinal))
                    {
                    }

                    continue;
                }

                return line;
            }

            return null;
        }

        public string ContinueArray(string start)
        {
            var value = new StringBuilder(start);
            var startLine = _index;
            while (!BracketsBalanced(value.ToString()))
            {
                if (_index >= _lines.Length)
                {
                    throw new DependencyFileException($"{path}:{startLine}: an array that is never closed");
                }

                value.Append(' ').Append(StripComment(_lines[_index++]).Trim());
            }

            return value.ToString();
        }

        private static int CountOf(string line, string part)
        {
            var count = 0;
            for (var i = line.IndexOf(part, StringComparison.Ordinal); i >= 0; i = line.IndexOf(part, i + part.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }

        private static string StripComment(string line)
        {
            char? quote = null;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (quote is not null)
                {
                    if (c == '\\' && quote == '"')
                    {
                        i++;
                    }
                    else if (c == quote)
                    {
                        quote = null;
                    }
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                }
                else if (c == '#')
                {
                    return line[..i];
                }
            }

            return line;
        }
    }
}
