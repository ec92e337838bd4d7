// One headless Chromium, kept running between reports and driven through the DevTools protocol over
// a pipe (--remote-debugging-pipe: the browser reads commands on fd 3 and writes answers on fd 4, each
// message JSON ended by a NUL byte). A pipe rather than a debugging port: nothing listens on the
// network, nobody else on the machine can drive the browser, and when this host dies — even killed —
// the pipe closes and Chromium shuts itself down instead of being left behind.
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Registry.Web.Features.Reports;

/// <summary>The browser went away (crashed, was killed, or never started) while it was being used.</summary>
internal sealed class BrowserLostException(string message) : Exception(message);

internal sealed class ChromiumBrowser
{
    private readonly Process _process;
    private readonly Stream _commands;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _loads = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly StringBuilder _errorTail = new();
    private readonly Task _reading;
    private int _nextId;
    private volatile string? _lost;
    private Task<Tab>? _next;

    private ChromiumBrowser(Process process, string work)
    {
        _process = process;
        Work = work;
        _commands = process.StandardInput.BaseStream;
        _reading = Task.Run(ReadAnswersAsync);
        _ = Task.Run(KeepErrorTailAsync);
        _next = Observed(OpenTabAsync(CancellationToken.None));
    }

    /// <summary>This browser's folder: its profile, HOME, and the pages it prints.</summary>
    public string Work { get; }

    /// <summary>The browser's pid, which also names its process group (it was started through <c>setsid</c>).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the browser can still take a print.</summary>
    public bool IsAlive => _lost is null && !_process.HasExited;

    /// <summary>Starts Chromium in <paramref name="work"/>, in its own process group, listening on the pipe.</summary>
    public static ChromiumBrowser Start(string chromiumPath, string work)
    {
        var profile = Directory.CreateDirectory(Path.Combine(work, "profile")).FullName;
        // setsid gives the browser its own process group (its pid), so one kill reaches every child; the
        // shell only moves our stdin/stdout pipes to the descriptors 3 and 4 the browser reads and writes.
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        foreach (var argument in (string[])[
            "sh", "-c", "exec \"$@\" 3<&0 4>&1 0</dev/null 1>/dev/null", "sh",
            chromiumPath,
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
            // A tagged PDF carries a structure tree of every table cell and line: for a 200-version dossier
            // it cost Chromium about as much as the whole rest of the print and made the file eight times
            // larger (9 MB instead of 1.1 MB), enough to pass the report timeout on a busy host.
            "--disable-pdf-tagging",
            // Headless Chromium opens a window per browser context, and each window started two renderers
            // for the address bar's WebUI popup that nobody sees: half a second of CPU per report.
            "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
            "--remote-debugging-pipe",
            "about:blank",
        ])
        {
            info.ArgumentList.Add(argument);
        }

        // The crash handler writes under HOME; keep it inside the work folder too, so it is found and removed.
        info.Environment["HOME"] = work;
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(work, "config");
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(work, "cache");
        var process = Process.Start(info) ?? throw new BrowserLostException("setsid did not start");
        return new ChromiumBrowser(process, work);
    }

    /// <summary>
    /// Prints <paramref name="html"/> in a fresh browser context (nothing shared with earlier reports):
    /// loaded from a file like any page, then printed with the page's own <c>@page</c> size and margins.
    /// </summary>
    public async Task<byte[]> PrintAsync(string html, CancellationToken cancellationToken)
    {
        var page = Path.Combine(Work, $"report-{Guid.NewGuid():N}.html");
        await File.WriteAllTextAsync(page, html, cancellationToken);
        Tab? tab = null;
        var printed = false;
        try
        {
            // The tab prepared after the previous report (or at start-up), else a new one: a context and a
            // tab cost the browser a new renderer, about a third of printing a one-page report.
            var prepared = Interlocked.Exchange(ref _next, null);
            tab = await (prepared ?? OpenTabAsync(cancellationToken)).WaitAsync(cancellationToken);
            var session = tab.Session;

            var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _loads[session] = loaded;
            var navigation = await SendAsync("Page.navigate", new { url = new Uri(page).AbsoluteUri }, session, cancellationToken);
            if (navigation.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
            {
                throw new BrowserLostException($"the report page did not load: {text}");
            }

            await loaded.Task.WaitAsync(cancellationToken);
            _loads.TryRemove(session, out _);

            var pdf = await SendAsync("Page.printToPDF", new
            {
                printBackground = true,
                // The document's @page rules give A4, the margins and the "n / N" margin boxes.
                preferCSSPageSize = true,
                displayHeaderFooter = false,
                generateTaggedPDF = false,
                generateDocumentOutline = false,
            }, session, cancellationToken);
            var bytes = Convert.FromBase64String(pdf.GetProperty("data").GetString() ?? "");
            printed = true;
            return bytes;
        }
        finally
        {
            File.Delete(page);
            if (printed && IsAlive)
            {
                // Closing the report's context (its tab and everything it held) and opening the next
                // report's tab happen after the PDF is handed over, one after the other.
                var used = tab!;
                _next = Observed(Task.Run(async () =>
                {
                    await SendAsync("Target.disposeBrowserContext", new { browserContextId = used.Context }, null, CancellationToken.None);
                    return await OpenTabAsync(CancellationToken.None);
                }));
            }

            // After any other outcome the printer stops this browser, contexts and all.
        }
    }

    /// <summary>A report's tab: a fresh browser context with one page in it, attached and reporting its load.</summary>
    private sealed record Tab(string Context, string Session);

    private async Task<Tab> OpenTabAsync(CancellationToken cancellationToken)
    {
        var context = (await SendAsync("Target.createBrowserContext", null, null, cancellationToken)).GetProperty("browserContextId").GetString()!;
        var target = (await SendAsync("Target.createTarget", new { url = "about:blank", browserContextId = context }, null, cancellationToken)).GetProperty("targetId").GetString();
        var session = (await SendAsync("Target.attachToTarget", new { targetId = target, flatten = true }, null, cancellationToken)).GetProperty("sessionId").GetString()!;
        await SendAsync("Page.enable", null, session, cancellationToken);
        return new Tab(context, session);
    }

    /// <summary>A background task whose failure (the browser went away) is left to the print that awaits it.</summary>
    private static Task<Tab> Observed(Task<Tab> task)
    {
        _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return task;
    }

    private async Task<JsonElement> SendAsync(string method, object? parameters, string? session, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        if (_lost is { } lost)
        {
            _pending.TryRemove(id, out _);
            throw new BrowserLostException(lost);
        }

        var message = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(message))
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", id);
            writer.WriteString("method", method);
            if (session is not null)
            {
                writer.WriteString("sessionId", session);
            }

            writer.WritePropertyName("params");
            JsonSerializer.Serialize(writer, parameters ?? new object());
            writer.WriteEndObject();
        }

        await _writing.WaitAsync(cancellationToken);
        try
        {
            await _commands.WriteAsync(message.WrittenMemory, cancellationToken);
            await _commands.WriteAsync(new byte[] { 0 }, cancellationToken);
            await _commands.FlushAsync(cancellationToken);
        }
        catch (IOException e)
        {
            _pending.TryRemove(id, out _);
            throw new BrowserLostException($"the browser stopped listening: {e.Message}");
        }
        finally
        {
            _writing.Release();
        }

        try
        {
            return await answer.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReadAnswersAsync()
    {
        var stream = _process.StandardOutput.BaseStream;
        var message = new ArrayBufferWriter<byte>();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                var chunk = buffer.AsSpan(0, read);
                for (var end = chunk.IndexOf((byte)0); end >= 0; end = chunk.IndexOf((byte)0))
                {
                    message.Write(chunk[..end]);
                    Dispatch(message.WrittenSpan);
                    message.ResetWrittenCount();
                    chunk = chunk[(end + 1)..];
                }

                message.Write(chunk);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe broke: the browser is gone, as below.
        }

        Lose("the browser exited");
    }

    private void Dispatch(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var id) && _pending.TryGetValue(id.GetInt32(), out var answer))
        {
            if (root.TryGetProperty("error", out var error))
            {
                answer.TrySetException(new BrowserLostException($"the browser refused {error.GetRawText()}"));
            }
            else
            {
                answer.TrySetResult(root.GetProperty("result").Clone());
            }

            return;
        }

        if (root.TryGetProperty("method", out var method) && root.TryGetProperty("sessionId", out var session)
            && _loads.TryGetValue(session.GetString() ?? "", out var loaded))
        {
            switch (method.GetString())
            {
                case "Page.loadEventFired":
                    loaded.TrySetResult();
                    break;
                case "Inspector.targetCrashed":
                    loaded.TrySetException(new BrowserLostException("the page crashed while loading"));
                    break;
            }
        }
    }

    private void Lose(string why)
    {
        var detail = why;
        lock (_errorTail)
        {
            if (_errorTail.Length > 0)
            {
                detail += ": " + _errorTail;
            }
        }

        _lost = detail;
        foreach (var answer in _pending.Values)
        {
            answer.TrySetException(new BrowserLostException(detail));
        }

        foreach (var loaded in _loads.Values)
        {
            loaded.TrySetException(new BrowserLostException(detail));
        }
    }

    /// <summary>The last lines the browser wrote to stderr, for the log when it fails; reading also keeps the pipe from filling.</summary>
    private async Task KeepErrorTailAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_errorTail)
                {
                    _errorTail.AppendLine(line);
                    if (_errorTail.Length > 2000)
                    {
                        _errorTail.Remove(0, _errorTail.Length - 2000);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The browser is gone.
        }
    }

    /// <summary>Waits (briefly) for the process to be reaped after it was killed, then releases it.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan limit)
    {
        try
        {
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(limit);
            await _reading.WaitAsync(limit);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            _process.Dispose();
        }
    }
}
