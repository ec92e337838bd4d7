// Where the CLI finds the registry and its token: --url/--token, then REGISTRY_URL/REGISTRY_TOKEN
// (CI), then the file written by `registry login` in the user's config folder, readable by the user
// alone (0600) because it holds a bearer token.
using System.Text.Json;

namespace Registry.Cli.Api;

public sealed record RegistryConnection(Uri BaseUrl, string Token);

public sealed record StoredLogin(string Url, string Token);

public sealed class CliSettings(string configPath, Func<string, string?> environment)
{
    public const string UrlVariable = "REGISTRY_URL";
    public const string TokenVariable = "REGISTRY_TOKEN";

    public string ConfigPath { get; } = configPath;

    /// <summary>~/.config/registry/config.json on Linux ($XDG_CONFIG_HOME when set), %APPDATA%\registry on Windows.</summary>
    public static string DefaultConfigPath(Func<string, string?> environment)
    {
        var xdg = environment("XDG_CONFIG_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        }

        return Path.Combine(root, "registry", "config.json");
    }

    public RegistryConnection Resolve(string? url, string? token)
    {
        var stored = Load();
        url ??= environment(UrlVariable) is { Length: > 0 } u ? u : stored?.Url;
        token ??= environment(TokenVariable) is { Length: > 0 } t ? t : stored?.Token;
        if (url is null || token is null)
        {
            throw new UsageException($"not logged in: run `registry login --url URL --token TOKEN`, or set {UrlVariable} and {TokenVariable}");
        }

        return new RegistryConnection(ParseUrl(url), token);
    }

    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"'{url}' is not an http(s) URL of a registry");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
    }

    public StoredLogin? Load()
    {
        if (!File.Exists(ConfigPath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredLogin>(File.ReadAllText(ConfigPath), Json.Options);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{ConfigPath} is not a valid config file ({e.Message}); run `registry login` again");
        }
    }

    public void Save(StoredLogin login)
    {
        var folder = Path.GetDirectoryName(ConfigPath)!;
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(folder);
        }

        // Written to a private temporary file first, then moved: the token is never readable by others, not even briefly.
        var temporary = ConfigPath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, login, Json.Indented);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, ConfigPath, overwrite: true);
    }
}

/// <summary>The user asked for something that cannot be done as asked (exit code 1).</summary>
public sealed class UsageException(string message) : Exception(message);
