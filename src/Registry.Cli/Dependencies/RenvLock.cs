// renv.lock (JSON): the R version and every package with its version and source. renv's "Hash" is
// an MD5 of the package's DESCRIPTION, not a SHA-256 of an artifact, so it is not sent as one.
using System.Text.Json;

namespace Registry.Cli.Dependencies;

public static class RenvLock
{
    public const string Format = "renv.lock";

    public static DependencySet Parse(JsonElement root, string path)
    {
        if (!root.TryGetProperty("Packages", out var packages) || packages.ValueKind != JsonValueKind.Object)
        {
            throw new DependencyFileException($"{path}: no \"Packages\" object; is this a renv.lock?");
        }

        var collector = new DependencyCollector();
        if (root.TryGetProperty("R", out var r) && r.TryGetProperty("Version", out var rVersion) && rVersion.GetString() is { } rv)
        {
            collector.Add(new Dependency("r", "R", rv));
        }

        foreach (var package in packages.EnumerateObject())
        {
            var name = package.Value.TryGetProperty("Package", out var n) ? n.GetString() ?? package.Name : package.Name;
            if (!package.Value.TryGetProperty("Version", out var version) || version.GetString() is not { } v)
            {
                throw new DependencyFileException($"{path}: package \"{package.Name}\" has no \"Version\"");
            }

            var source = package.Value.TryGetProperty("Source", out var s) ? s.GetString() : null;
            var ecosystem = source switch
            {
                "Bioconductor" => "bioconductor",
                "GitHub" or "GitLab" or "Bitbucket" or "git" => "github",
                _ => "cran",
            };
            if (ecosystem == "github" && package.Value.TryGetProperty("RemoteSha", out var sha) && sha.GetString() is { } remoteSha)
            {
                var repo = package.Value.TryGetProperty("RemoteUsername", out var user) && package.Value.TryGetProperty("RemoteRepo", out var repoName)
                    ? $" {user.GetString()}/{repoName.GetString()}" : "";
                v = $"{v} ({source}{repo}@{remoteSha})";
                ecosystem = "cran";
            }

            collector.Add(new Dependency(ecosystem, name, v));
        }

        return collector.ToSet(Format, path);
    }
}
