// What --artifact and --dataset name: a local file or folder (hashed here), an http(s) URL
// (downloaded and hashed as it streams, never stored), or any other URI (s3://, gs://, abfss://…)
// that carries its hash as `#sha256=HEX`, since the CLI cannot read those stores itself.
using System.Text.RegularExpressions;
using Registry.Cli.Api;

namespace Registry.Cli.Registration;

public abstract partial record ContentReference(string Given)
{
    /// <summary>A file or folder on this machine.</summary>
    public sealed record Local(string Given, string FullPath) : ContentReference(Given);

    /// <summary>A URI with its hash stated by the user.</summary>
    public sealed record Stated(string Given, string Uri, string Sha256) : ContentReference(Given);

    /// <summary>An http(s) URL the CLI downloads to hash.</summary>
    public sealed record Downloaded(string Given, Uri Url) : ContentReference(Given);

    public static ContentReference Parse(string value, string workingDirectory, string what)
    {
        var fragment = Sha256Fragment().Match(value);
        var withoutHash = fragment.Success ? value[..fragment.Index] : value;
        var looksLikeUri = UriScheme().IsMatch(withoutHash);
        if (fragment.Success)
        {
            var sha256 = fragment.Groups["hex"].Value.ToLowerInvariant();
            return new Stated(value, looksLikeUri ? withoutHash : new Uri(Path.GetFullPath(withoutHash, workingDirectory)).AbsoluteUri, sha256);
        }

        if (looksLikeUri && System.Uri.TryCreate(withoutHash, UriKind.Absolute, out var uri))
        {
            if (uri.Scheme is "http" or "https")
            {
                return new Downloaded(value, uri);
            }

            if (uri.Scheme == "file")
            {
                return new Local(value, uri.LocalPath);
            }

            throw new UsageException($"{what} '{value}': the CLI cannot read {uri.Scheme}:// itself; add the content's hash as '{value}#sha256=HEX'");
        }

        var full = Path.GetFullPath(value, workingDirectory);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new UsageException($"{what} '{value}': no such file or folder");
        }

        return new Local(value, full);
    }

    [GeneratedRegex(@"#sha256=(?<hex>[0-9a-fA-F]{64})$")]
    private static partial Regex Sha256Fragment();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]+://")]
    private static partial Regex UriScheme();
}

/// <summary>A --dataset option: <c>ROLE=PATH_OR_URI[:NAME]</c>.</summary>
public sealed record DatasetOption(string Role, ContentReference Content, string Name)
{
    public static readonly string[] Roles = ["training", "validation", "test", "other"];

    public static DatasetOption Parse(string value, string workingDirectory)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new UsageException($"--dataset '{value}': expected ROLE=PATH_OR_URI[:NAME] with ROLE one of {string.Join(", ", Roles)}");
        }

        var role = value[..equals].Trim().ToLowerInvariant();
        if (!Roles.Contains(role))
        {
            throw new UsageException($"--dataset '{value}': the role '{role}' is not one of {string.Join(", ", Roles)}");
        }

        var target = value[(equals + 1)..];
        string? name = null;
        // ":NAME" is a suffix after the last '/' that does not belong to the path itself (the path
        // exists without it) or to a URI's scheme or port.
        var colon = target.LastIndexOf(':');
        if (colon > 0 && colon > target.LastIndexOf('/') && !Exists(target, workingDirectory) && !target.EndsWith(':'))
        {
            var candidate = target[(colon + 1)..];
            var rest = target[..colon];
            if (candidate.Length > 0 && !candidate.All(char.IsAsciiDigit) && !candidate.Contains("#sha256=", StringComparison.Ordinal))
            {
                name = candidate;
                target = rest;
            }
        }

        var content = ContentReference.Parse(target, workingDirectory, $"--dataset {role}");
        return new DatasetOption(role, content, name ?? DefaultName(target));
    }

    private static bool Exists(string path, string workingDirectory)
    {
        try
        {
            var full = Path.GetFullPath(path, workingDirectory);
            return File.Exists(full) || Directory.Exists(full);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string DefaultName(string target)
    {
        var withoutFragment = target.Split('#')[0].Split('?')[0].TrimEnd('/', '\\');
        var name = withoutFragment.Split('/', '\\')[^1];
        return name.Length == 0 ? withoutFragment : name;
    }
}
