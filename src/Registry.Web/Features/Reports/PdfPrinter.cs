// Prints an HTML document to PDF with the machine's headless Chromium.
//
// Every print gets a fresh work folder (the page, the browser profile, HOME for its crash handler)
// and its own process group (started through `setsid`), so that on every path — success, failure,
// timeout, cancellation — the whole browser tree is killed with one signal, any straggler that left
// the group is found by the folder name in its command line, and the folder is deleted. A semaphore
// bounds how many browsers one host runs at once.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Registry.Web.Features.Reports;

/// <summary><c>Registry:Reports</c>: how reports are printed.</summary>
public sealed class ReportOptions
{
    public const string Section = "Registry:Reports";

    /// <summary>How many browsers this host runs at once; further reports wait for a free one.</summary>
    public int MaxConcurrent { get; set; } = 1;

    /// <summary>The longest a report may take, waiting for a free browser included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The Chromium executable.</summary>
    public string ChromiumPath { get; set; } = "/usr/bin/chromium";

    /// <summary>Where per-print work folders are created (default: the system temp folder).</summary>
    public string? WorkDirectory { get; set; }
}

/// <summary>The outcome of a print: the PDF, or why there is none.</summary>
public abstract record PrintOutcome
{
    public sealed record Printed(byte[] Pdf) : PrintOutcome;

    /// <summary>The report did not finish within <see cref="ReportOptions.Timeout"/>; nothing is left running.</summary>
    public sealed record TimedOut(TimeSpan Timeout, bool WaitedForBrowser) : PrintOutcome;

    /// <summary>Chromium is missing or failed; <see cref="Detail"/> says how.</summary>
    public sealed record Failed(string Detail) : PrintOutcome;
}

public sealed partial class PdfPrinter : IDisposable
{
    private const string WorkFolderPrefix = "registry-pdf-";
    private const int SigKill = 9;

    private readonly ReportOptions _options;
    private readonly SemaphoreSlim _browsers;
    private readonly ILogger<PdfPrinter> _logger;

    public PdfPrinter(IOptions<ReportOptions> options, ILogger<PdfPrinter> logger)
    {
        _options = options.Value;
        if (_options.MaxConcurrent < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxConcurrent, $"{ReportOptions.Section}:MaxConcurrent must be at least 1");
        }

        _browsers = new SemaphoreSlim(_options.MaxConcurrent, _options.MaxConcurrent);
        _logger = logger;
    }

    /// <summary>The folder under which each print's work folder is created.</summary>
    public string WorkRoot => _options.WorkDirectory ?? Path.GetTempPath();

    /// <summary>Prints <paramref name="html"/> (a complete document, A4 from its own <c>@page</c> rules) to PDF.</summary>
    public async Task<PrintOutcome> PrintAsync(string html, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        // A free browser is taken at once even when the deadline has already passed, so that a short
        // timeout is reported as the print's own and never as waiting for reports that do not exist.
        // Whether this print had to queue behind others: then a timeout is (at least partly) theirs,
        // whether it passed while queueing or after the browser was finally free.
        var queued = !_browsers.Wait(0, CancellationToken.None);
        if (queued)
        {
            try
            {
                await _browsers.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new PrintOutcome.TimedOut(_options.Timeout, WaitedForBrowser: true);
            }
        }

        try
        {
            var outcome = await PrintWithOneBrowserAsync(html, cancellationToken, deadline.Token);
            return queued && outcome is PrintOutcome.TimedOut timedOut ? timedOut with { WaitedForBrowser = true } : outcome;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The deadline passed while the page was being written or the browser started.
            return new PrintOutcome.TimedOut(_options.Timeout, WaitedForBrowser: queued);
        }
        finally
        {
            _browsers.Release();
        }
    }

    private async Task<PrintOutcome> PrintWithOneBrowserAsync(string html, CancellationToken callerToken, CancellationToken deadlineToken)
    {
        if (!File.Exists(_options.ChromiumPath))
        {
            return new PrintOutcome.Failed($"Chromium was not found at {_options.ChromiumPath}. Install it with `apt-get install chromium` or set {ReportOptions.Section}:ChromiumPath.");
        }

        var work = Directory.CreateDirectory(Path.Combine(WorkRoot, WorkFolderPrefix + Guid.NewGuid().ToString("N"))).FullName;
        Process? browser = null;
        try
        {
            var page = Path.Combine(work, "report.html");
            var pdf = Path.Combine(work, "report.pdf");
            var profile = Path.Combine(work, "profile");
            Directory.CreateDirectory(profile);
            await File.WriteAllTextAsync(page, html, deadlineToken);

            browser = Process.Start(StartInfo(work, profile, page, pdf))
                ?? throw new InvalidOperationException("setsid did not start");
            var stderr = browser.StandardError.ReadToEndAsync(deadlineToken);
            _ = browser.StandardOutput.ReadToEndAsync(deadlineToken);

            try
            {
                await browser.WaitForExitAsync(deadlineToken);
            }
            catch (OperationCanceledException) when (!callerToken.IsCancellationRequested)
            {
                _logger.LogWarning("Printing a report took longer than {Timeout}; the browser (pid {Pid}) was stopped", _options.Timeout, browser.Id);
                return new PrintOutcome.TimedOut(_options.Timeout, WaitedForBrowser: false);
            }

            if (browser.ExitCode != 0 || !File.Exists(pdf) || new FileInfo(pdf).Length == 0)
            {
                var error = await ReadQuietlyAsync(stderr);
                _logger.LogError("Chromium exited with {ExitCode} while printing a report: {Error}", browser.ExitCode, error);
                return new PrintOutcome.Failed($"The browser that prints reports failed (exit code {browser.ExitCode}).");
            }

            return new PrintOutcome.Printed(await File.ReadAllBytesAsync(pdf, deadlineToken));
        }
        finally
        {
            await StopEverythingStartedFromAsync(browser, work);
        }
    }

    private ProcessStartInfo StartInfo(string work, string profile, string page, string pdf)
    {
        // setsid gives the browser its own process group (its pid), so one kill reaches every child.
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        foreach (var argument in (string[])[
            _options.ChromiumPath,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--disable-breakpad",
            "--disable-crash-reporter",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            "--hide-scrollbars",
            $"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            // A tagged PDF carries a structure tree of every table cell and line: for a 200-version dossier
            // it cost Chromium about as much as the whole rest of the print and made the file eight times
            // larger (9 MB instead of 1.1 MB), enough to pass the report timeout on a busy host.
            "--disable-pdf-tagging",
            $"--print-to-pdf={pdf}",
            new Uri(page).AbsoluteUri,
        ])
        {
            info.ArgumentList.Add(argument);
        }

        // The crash handler writes under HOME; keep it inside the work folder too, so it is found and removed.
        info.Environment["HOME"] = work;
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(work, "config");
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(work, "cache");
        return info;
    }

    private async Task StopEverythingStartedFromAsync(Process? browser, string work)
    {
        if (browser is not null)
        {
            if (!browser.HasExited)
            {
                _ = Kill(-browser.Id, SigKill);
            }

            KillProcessesMentioning(work);
            try
            {
                await browser.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _logger.LogError("The report browser (pid {Pid}) did not exit after SIGKILL", browser.Id);
            }

            // Children that were mid-fork when the group was signalled are caught by a second sweep.
            KillProcessesMentioning(work);
            browser.Dispose();
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(work, recursive: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && attempt < 20)
            {
                await Task.Delay(50);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogError(e, "Could not delete the report work folder {Folder}", work);
                return;
            }
        }
    }

    /// <summary>Kills every live process whose command line names <paramref name="work"/> (Linux /proc).</summary>
    private static void KillProcessesMentioning(string work)
    {
        foreach (var pid in ProcessesMentioning(work))
        {
            _ = Kill(pid, SigKill);
        }
    }

    /// <summary>Live (not zombie) processes whose command line contains <paramref name="text"/>.</summary>
    internal static IReadOnlyList<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        if (!Directory.Exists("/proc"))
        {
            return found;
        }

        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline"));
                if (commandLine.Contains(text, StringComparison.Ordinal) && !IsZombie(folder))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }

    private static bool IsZombie(string procFolder)
    {
        var stat = File.ReadAllText(Path.Combine(procFolder, "stat"));
        var afterName = stat.LastIndexOf(')');
        return afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] is 'Z' or 'X';
    }

    private static async Task<string> ReadQuietlyAsync(Task<string> output)
    {
        try
        {
            var text = await output.WaitAsync(TimeSpan.FromSeconds(2));
            return text.Length > 2000 ? text[^2000..] : text;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException)
        {
            return "";
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public void Dispose() => _browsers.Dispose();
}
