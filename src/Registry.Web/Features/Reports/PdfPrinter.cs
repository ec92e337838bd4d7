// Prints an HTML document to PDF with the machine's headless Chromium.
//
// Starting Chromium costs more than printing most reports, so a browser is kept warm between reports
// (ChromiumBrowser, driven over the DevTools pipe) and each report gets a fresh browser context in it.
// Every browser has its own work folder (profile, pages, HOME for its crash handler) and its own process
// group (started through `setsid`), so that when it is stopped — host shutdown, idle, or any print that
// did not end well (timeout, cancellation, failure) — the whole browser tree is killed with one signal,
// any straggler that left the group is found by the folder name in its command line, and the folder is
// deleted. A semaphore bounds how many reports one host prints at once, one browser each.
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Registry.Web.Features.Reports;

/// <summary><c>Registry:Reports</c>: how reports are printed.</summary>
public sealed class ReportOptions
{
    public const string Section = "Registry:Reports";

    /// <summary>How many reports this host prints at once, each in its own browser; further reports wait for a free one.</summary>
    public int MaxConcurrent { get; set; } = 1;

    /// <summary>The longest a report may take, waiting for a free browser included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The Chromium executable.</summary>
    public string ChromiumPath { get; set; } = "/usr/bin/chromium";

    /// <summary>
    /// How long a browser is kept warm after a report, for the next one; zero stops it after every report
    /// (each report then pays the browser's start-up).
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Where the browsers' work folders are created (default: the system temp folder).</summary>
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
    private readonly ConcurrentStack<BrowserSlot> _free = new();
    private readonly BrowserSlot[] _slots;
    private readonly ILogger<PdfPrinter> _logger;
    private int _disposed;

    public PdfPrinter(IOptions<ReportOptions> options, ILogger<PdfPrinter> logger)
    {
        _options = options.Value;
        if (_options.MaxConcurrent < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxConcurrent, $"{ReportOptions.Section}:MaxConcurrent must be at least 1");
        }

        _browsers = new SemaphoreSlim(_options.MaxConcurrent, _options.MaxConcurrent);
        _slots = Enumerable.Range(0, _options.MaxConcurrent).Select(_ => new BrowserSlot(this)).ToArray();
        foreach (var slot in _slots)
        {
            _free.Push(slot);
        }

        _logger = logger;
    }

    /// <summary>The folder under which each browser's work folder is created.</summary>
    public string WorkRoot => _options.WorkDirectory ?? Path.GetTempPath();

    /// <summary>The pids of the browsers kept warm right now (each also its process group).</summary>
    internal IReadOnlyList<int> WarmBrowsers => _slots.Select(s => s.Browser).OfType<ChromiumBrowser>().Where(b => b.IsAlive).Select(b => b.ProcessId).ToList();

    /// <summary>Prints <paramref name="html"/> (a complete document, A4 from its own <c>@page</c> rules) to PDF.</summary>
    public async Task<PrintOutcome> PrintAsync(string html, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
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

        _free.TryPop(out var slot);
        try
        {
            var outcome = await slot!.PrintAsync(html, cancellationToken, deadline.Token);
            return queued && outcome is PrintOutcome.TimedOut timedOut ? timedOut with { WaitedForBrowser = true } : outcome;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The deadline passed while the page was being written or the browser started.
            return new PrintOutcome.TimedOut(_options.Timeout, WaitedForBrowser: queued);
        }
        finally
        {
            _free.Push(slot!);
            _browsers.Release();
        }
    }

    /// <summary>
    /// One of the <see cref="ReportOptions.MaxConcurrent"/> places a print runs in, holding at most one warm
    /// browser. The browser is started on the first report, kept for the next ones, stopped when idle for
    /// <see cref="ReportOptions.IdleTimeout"/>, and killed (with its folder) after any print that did not
    /// end well: a page that hung or a cancelled request may have left it in any state, and the next report
    /// simply starts a fresh one.
    /// </summary>
    private sealed class BrowserSlot(PdfPrinter printer)
    {
        private readonly Lock _lock = new();
        private Timer? _idle;
        private bool _busy;

        public ChromiumBrowser? Browser { get; private set; }

        public async Task<PrintOutcome> PrintAsync(string html, CancellationToken callerToken, CancellationToken deadlineToken)
        {
            var options = printer._options;
            if (!File.Exists(options.ChromiumPath))
            {
                return new PrintOutcome.Failed($"Chromium was not found at {options.ChromiumPath}. Install it with `apt-get install chromium` or set {ReportOptions.Section}:ChromiumPath.");
            }

            lock (_lock)
            {
                _busy = true;
            }

            var printed = false;
            try
            {
                // A warm browser may have died since the last report (crashed, killed, out of memory): if it
                // is found gone, or goes while this print starts, the print is tried once more on a fresh one.
                for (var attempt = 1; ; attempt++)
                {
                    var browser = Browser;
                    var warm = browser is { IsAlive: true };
                    if (!warm)
                    {
                        await StopAsync();
                        if (Volatile.Read(ref printer._disposed) != 0)
                        {
                            // The host is shutting down: a browser started now would outlive it.
                            return new PrintOutcome.Failed("The host is shutting down; retry shortly.");
                        }

                        var work = Directory.CreateDirectory(Path.Combine(printer.WorkRoot, WorkFolderPrefix + Guid.NewGuid().ToString("N"))).FullName;
                        Browser = browser = ChromiumBrowser.Start(options.ChromiumPath, work);
                    }

                    try
                    {
                        var pdf = await browser!.PrintAsync(html, deadlineToken);
                        printed = true;
                        return new PrintOutcome.Printed(pdf);
                    }
                    catch (BrowserLostException e) when (warm && attempt == 1)
                    {
                        printer._logger.LogWarning("The warm report browser (pid {Pid}) was gone ({Reason}); starting a fresh one", browser!.ProcessId, e.Message);
                    }
                    catch (BrowserLostException e)
                    {
                        printer._logger.LogError("The browser that prints reports failed: {Reason}", e.Message);
                        return new PrintOutcome.Failed("The browser that prints reports failed; see the host's log.");
                    }
                    catch (OperationCanceledException) when (!callerToken.IsCancellationRequested)
                    {
                        printer._logger.LogWarning("Printing a report took longer than {Timeout}; the browser (pid {Pid}) was stopped", options.Timeout, browser!.ProcessId);
                        return new PrintOutcome.TimedOut(options.Timeout, WaitedForBrowser: false);
                    }
                }
            }
            finally
            {
                if (!printed || options.IdleTimeout <= TimeSpan.Zero || Volatile.Read(ref printer._disposed) != 0)
                {
                    await StopAsync();
                }

                lock (_lock)
                {
                    _busy = false;
                    if (Browser is not null)
                    {
                        _idle ??= new Timer(_ => StopIfIdle());
                        _idle.Change(options.IdleTimeout, Timeout.InfiniteTimeSpan);
                    }
                }
            }
        }

        private void StopIfIdle()
        {
            lock (_lock)
            {
                if (_busy || Browser is null)
                {
                    return;
                }

                printer.Stop(Browser);
                Browser = null;
            }
        }

        /// <summary>Kills the slot's browser, if any, and deletes its folder.</summary>
        public async Task StopAsync()
        {
            ChromiumBrowser? browser;
            lock (_lock)
            {
                browser = Browser;
                Browser = null;
            }

            if (browser is not null)
            {
                await Task.Run(() => printer.Stop(browser));
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _idle?.Dispose();
                if (Browser is not null)
                {
                    printer.Stop(Browser);
                    Browser = null;
                }
            }
        }
    }

    /// <summary>Kills <paramref name="browser"/>'s whole process group and anything else naming its folder, then deletes the folder.</summary>
    private void Stop(ChromiumBrowser browser)
    {
        _ = Kill(-browser.ProcessId, SigKill);
        KillProcessesMentioning(browser.Work);
        if (!browser.WaitForExitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult())
        {
            _logger.LogError("The report browser (pid {Pid}) did not exit after SIGKILL", browser.ProcessId);
        }

        // Children that were mid-fork when the group was signalled are caught by a second sweep.
        KillProcessesMentioning(browser.Work);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(browser.Work, recursive: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && attempt < 20)
            {
                Thread.Sleep(50);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogError(e, "Could not delete the report work folder {Folder}", browser.Work);
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

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Stops every warm browser (the host is shutting down): nothing is left running.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var slot in _slots)
        {
            slot.Dispose();
        }
    }
}
