// The CLI reaches users as a .NET tool package: pack it, install it from that folder alone (no other
// feed, a private package cache so an older package of the same version cannot stand in) and run it.
using System.Diagnostics;
using Registry.Web.Hosting;

namespace Registry.Cli.Tests.EndToEnd;

public sealed class ToolPackageTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_tool_packs_installs_from_a_local_folder_and_its_help_lists_every_command()
    {
        var dist = _temp.Combine("dist");
        var tools = _temp.Combine("tools");
        // The tests run on what was just built; packing again without building packs exactly that.
        var pack = await RunAsync("dotnet", "pack", Path.Combine(RepositoryRoot.Find(), "src", "Registry.Cli"), "-c", Configuration, "--no-build", "-o", dist, "-nologo");
        Assert.True(pack.Exit == 0, pack.Output);
        Assert.Matches(@"^Registry\.Cli\.\d+\.\d+\.\d+.*\.nupkg$", Path.GetFileName(Assert.Single(Directory.GetFiles(dist, "*.nupkg"))));
        _temp.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="dist" value="{dist}" />
              </packageSources>
            </configuration>
            """);

        var install = await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--configfile", _temp.Combine("nuget.config"), "Registry.Cli");
        Assert.True(install.Exit == 0, install.Output);
        var help = await RunAsync(Path.Combine(tools, "registry"), "--help");

        Assert.True(help.Exit == 0, help.Output);
        Assert.Contains("Usage:", help.Output, StringComparison.Ordinal);
        foreach (var command in new[] { "login", "hash", "model", "version", "diff", "lineage", "rollback", "evidence", "verify", "report", "migrate", "projections" })
        {
            Assert.Matches($@"(?m)^\s+{command}\b", help.Output);
        }
    }

    private async Task<(int Exit, string Output)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = _temp.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NUGET_PACKAGES"] = _temp.Combine("nuget-packages");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Only keeps a hung tool from hanging the run; not a speed check.
        using var hung = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(hung.Token);
        return (process.ExitCode, $"{string.Join(' ', args)}\n{await output}{await error}");
    }
}
