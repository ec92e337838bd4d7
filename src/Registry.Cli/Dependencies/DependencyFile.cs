// Reads any supported dependency file, telling the format from the file name first and the
// content second (a CI job may save `pip freeze` as deps.txt or an SBOM as sbom.json).
using System.Text.Json;

namespace Registry.Cli.Dependencies;

public static class DependencyFile
{
    public const string Supported =
        "requirements.txt / pip freeze output, poetry.lock, conda environment.yml, renv.lock, NuGet packages.lock.json, CycloneDX JSON";

    public static DependencySet Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DependencyFileException($"{path}: no such file");
        }

        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name == "poetry.lock")
        {
            return PoetryLock.Read(path);
        }

        if (name.EndsWith(".yml", StringComparison.Ordinal) || name.EndsWith(".yaml", StringComparison.Ordinal))
        {
            return CondaEnvironment.Read(path);
        }

        var text = File.ReadAllText(path);
        var start = text.TrimStart();
        if (start.StartsWith('{'))
        {
            return ReadJson(text, path);
        }

        if (name.EndsWith(".lock", StringComparison.Ordinal) || text.Contains("[[package]]", StringComparison.Ordinal))
        {
            return PoetryLock.Parse(text, path);
        }

        if (text.Contains("\ndependencies:", StringComparison.Ordinal) || start.StartsWith("dependencies:", StringComparison.Ordinal)
            || start.StartsWith("name:", StringComparison.Ordinal) || start.StartsWith("channels:", StringComparison.Ordinal))
        {
            return CondaEnvironment.Parse(text, path);
        }

        if (name.EndsWith(".txt", StringComparison.Ordinal) || name.EndsWith(".in", StringComparison.Ordinal) || name.StartsWith("requirements", StringComparison.Ordinal) || LooksLikeRequirements(text))
        {
            return Requirements.Read(path);
        }

        throw Unknown(path);
    }

    private static DependencySet ReadJson(string text, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new DependencyFileException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.TryGetProperty("bomFormat", out var bom) && bom.GetString() == "CycloneDX")
            {
                return CycloneDx.Parse(root, path);
            }

            if (root.TryGetProperty("Packages", out _) && (root.TryGetProperty("R", out _) || Path.GetFileName(path) == "renv.lock"))
            {
                return RenvLock.Parse(root, path);
            }

            if (root.TryGetProperty("dependencies", out var deps) && deps.ValueKind == JsonValueKind.Object && root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number)
            {
                return NuGetLock.Parse(root, path);
            }

            throw Unknown(path);
        }
    }

    private static bool LooksLikeRequirements(string text) =>
        text.Split('\n').Select(l => l.Split(" #")[0].Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .All(l => l.StartsWith('-') || ParsesAsRequirement(l));

    private static bool ParsesAsRequirement(string line)
    {
        try
        {
            Requirements.Requirement(line.TrimEnd('\\'));
            return true;
        }
        catch (DependencyFileException)
        {
            return false;
        }
    }

    private static DependencyFileException Unknown(string path) =>
        new($"{path}: not a dependency file this tool reads. Supported: {Supported}.");
}
