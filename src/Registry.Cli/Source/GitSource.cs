// The source of a training run: the repository URL (credentials removed) and the commit checked
// out in the working directory, read by running `git` itself so every git layout it understands
// (worktrees, submodules, GIT_DIR) works. Not in a repository, or no git installed: no source.
using System.Diagnostics;

namespace Registry.Cli.Source;

/// <summary><c>Dirty</c>: the working tree has uncommitted changes, so the commit alone does not reproduce it.</summary>
public sealed record GitSource(string? Repository, string Commit, bool Dirty);

public static class GitSourceDetector
{
    public static async Task<GitSource?> DetectAsync(string workingDirectory, CancellationToken cancellationToken)
    {
        var commit = await GitAsync(workingDirectory, cancellationToken, "rev-parse", "--verify", "HEAD");
        if (commit is null)
        {
            return null;
        }

        var remote = await GitAsync(workingDirectory, cancellationToken, "config", "--get", "remote.origin.url")
            ?? await FirstRemoteUrlAsync(workingDirectory, cancellationToken);
        var status = await GitAsync(workingDirectory, cancellationToken, "status", "--porcelain", "--untracked-files=no");
        return new GitSource(remote is null ? null : WithoutCredentials(remote), commit, Dirty: !string.IsNullOrEmpty(status));
    }

    /// <summary>https://user:token@host/repo → https://host/repo; scp-style and ssh URLs are kept as they are.</summary>
    public static string WithoutCredentials(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length > 0)
        {
            return new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString();
        }

        return url;
    }

    private static async Task<string?> FirstRemoteUrlAsync(string workingDirectory, CancellationToken cancellationToken)
    {
        var remotes = await GitAsync(workingDirectory, cancellationToken, "remote");
        var first = remotes?.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return first is null ? null : await GitAsync(workingDirectory, cancellationToken, "config", "--get", $"remote.{first}.url");
    }

    private static async Task<string?> GitAsync(string workingDirectory, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            _ = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? (await output).Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed
        }
    }
}
