using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Registry.Web.Features.Reports;

namespace Registry.Web.Tests.Reports;

public sealed class PdfPrinterTests : IDisposable
{
    // A page whose script never returns: Chromium never gets to print it.
    private const string HangingPage = "<!DOCTYPE html><html><body><p>never printed</p><script>for(;;){}</script></body></html>";

    private readonly string _workRoot = Directory.CreateTempSubdirectory("registry-printer-test-").FullName;

    private PdfPrinter Printer(int maxConcurrent = 1, double timeoutSeconds = 60, TimeSpan? idleTimeout = null) => new(
        Options.Create(new ReportOptions
        {
            MaxConcurrent = maxConcurrent,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            IdleTimeout = idleTimeout ?? TimeSpan.FromMinutes(10),
            WorkDirectory = _workRoot,
        }),
        NullLogger<PdfPrinter>.Instance);

    [Fact]
    public async Task Prints_an_A4_pdf_with_every_page_numbered_n_of_N_and_any_unicode_name()
    {
        using var printer = Printer();
        var html = await new ReportRenderer(EmptyServices.Instance, NullLoggerFactory.Instance).RenderAsync<ReportDocument>(new Dictionary<string, object?>
        {
            [nameof(ReportDocument.Title)] = "A test report",
            [nameof(ReportDocument.Footer)] = "Registry · test \"footer\" </style>",
            [nameof(ReportDocument.ChildContent)] = (Microsoft.AspNetCore.Components.RenderFragment)(b =>
            {
                b.AddMarkupContent(0, string.Concat(Enumerable.Range(0, 150).Select(i => $"<p>Line {i}: Zoë Ångström-Łukasz 山田太郎</p>")));
            }),
        });

        var outcome = await printer.PrintAsync(html, CancellationToken.None);

        using var pdf = new PdfFile(Assert.IsType<PrintOutcome.Printed>(outcome).Pdf);
        Assert.Contains("(A4)", pdf.PageSize, StringComparison.Ordinal);
        Assert.StartsWith("594.96 x 841.92", pdf.PageSize, StringComparison.Ordinal);
        Assert.True(pdf.Pages >= 2, $"expected several pages, got {pdf.Pages}");
        PdfAssert.EveryPageNumbered(pdf);
        Assert.Contains("Zoë Ångström-Łukasz", pdf.Text, StringComparison.Ordinal);
        Assert.Contains("山田太郎", pdf.Text, StringComparison.Ordinal);
        Assert.Contains("Registry · test \"footer\" </style>", pdf.Text, StringComparison.Ordinal);
        pdf.Check();
        printer.Dispose();
        AssertNothingLeft();
    }

    [Fact]
    public async Task The_browser_stays_warm_between_reports_and_is_stopped_with_the_printer()
    {
        var printer = Printer();

        Assert.IsType<PrintOutcome.Printed>(await printer.PrintAsync("<p>first</p>", CancellationToken.None));
        var browser = Assert.Single(printer.WarmBrowsers);
        Assert.IsType<PrintOutcome.Printed>(await printer.PrintAsync("<p>second</p>", CancellationToken.None));

        Assert.Equal(browser, Assert.Single(printer.WarmBrowsers));
        Assert.NotEmpty(PdfPrinter.ProcessesMentioning(_workRoot));
        printer.Dispose();
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_warm_browser_that_died_between_reports_is_replaced_by_the_next_report_and_leaves_nothing()
    {
        using var printer = Printer();
        Assert.IsType<PrintOutcome.Printed>(await printer.PrintAsync("<p>first</p>", CancellationToken.None));
        var dead = Assert.Single(printer.WarmBrowsers);

        // Killed from outside, as the kernel's out-of-memory killer or an operator would.
        using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", "--", $"-{dead}"]))
        {
            await kill.WaitForExitAsync();
        }

        var outcome = await printer.PrintAsync("<p>Zoë Ångström-Łukasz</p>", CancellationToken.None);

        using var pdf = new PdfFile(Assert.IsType<PrintOutcome.Printed>(outcome).Pdf);
        Assert.Contains("Zoë Ångström-Łukasz", pdf.Text, StringComparison.Ordinal);
        Assert.NotEqual(dead, Assert.Single(printer.WarmBrowsers));
        // The dead browser's folder went with it: only the fresh browser's is left.
        Assert.Single(Directory.EnumerateFileSystemEntries(_workRoot));
        printer.Dispose();
        AssertNothingLeft();
    }

    [Fact]
    public async Task With_no_idle_time_the_browser_is_stopped_after_every_report()
    {
        using var printer = Printer(idleTimeout: TimeSpan.Zero);

        Assert.IsType<PrintOutcome.Printed>(await printer.PrintAsync("<p>only</p>", CancellationToken.None));

        Assert.Empty(printer.WarmBrowsers);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_print_longer_than_the_timeout_times_out_and_leaves_no_browser_process_or_folder_behind()
    {
        using var printer = Printer(timeoutSeconds: 4);

        var printing = printer.PrintAsync(HangingPage, CancellationToken.None);
        var browsersSeen = 0;
        while (!printing.IsCompleted)
        {
            browsersSeen = Math.Max(browsersSeen, PdfPrinter.ProcessesMentioning(_workRoot).Count);
            await Task.Delay(100);
        }

        var outcome = await printing;

        Assert.True(browsersSeen >= 3, $"the browser, its zygote and renderer should have been seen running; saw {browsersSeen}");
        var timedOut = Assert.IsType<PrintOutcome.TimedOut>(outcome);
        Assert.False(timedOut.WaitedForBrowser);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_cancelled_print_leaves_no_browser_process_or_folder_behind()
    {
        using var printer = Printer();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => printer.PrintAsync(HangingPage, cancel.Token));

        AssertNothingLeft();
    }

    [Fact]
    public async Task With_one_browser_allowed_a_second_report_waits_for_the_first()
    {
        using var printer = Printer(maxConcurrent: 1, timeoutSeconds: 4);

        var first = printer.PrintAsync(HangingPage, CancellationToken.None);
        await Task.Delay(200);
        var second = printer.PrintAsync("<p>quick</p>", CancellationToken.None);
        var outcomes = await Task.WhenAll(first, second);

        Assert.False(Assert.IsType<PrintOutcome.TimedOut>(outcomes[0]).WaitedForBrowser);
        Assert.True(Assert.IsType<PrintOutcome.TimedOut>(outcomes[1]).WaitedForBrowser);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_timeout_that_passes_before_the_browser_starts_is_the_prints_own_timeout_and_leaves_nothing()
    {
        // One tick: the deadline has passed before the page is even written.
        using var printer = new PdfPrinter(
            Options.Create(new ReportOptions { Timeout = TimeSpan.FromTicks(1), WorkDirectory = _workRoot }),
            NullLogger<PdfPrinter>.Instance);

        var outcome = await printer.PrintAsync("<p>quick</p>", CancellationToken.None);

        Assert.False(Assert.IsType<PrintOutcome.TimedOut>(outcome).WaitedForBrowser);
        AssertNothingLeft();
    }

    [Fact]
    public async Task With_two_browsers_allowed_two_reports_print_at_the_same_time()
    {
        using var printer = Printer(maxConcurrent: 2);
        using var cancel = new CancellationTokenSource();

        var first = printer.PrintAsync(HangingPage, cancel.Token);
        var second = printer.PrintAsync(HangingPage, cancel.Token);
        // Neither page ever finishes: two live browsers, each in its own work folder, can only be seen
        // if both prints hold a browser at once. (The limit only keeps a broken bound from hanging the run.)
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (Directory.GetDirectories(_workRoot).Count(folder => PdfPrinter.ProcessesMentioning(folder).Count > 0) < 2)
        {
            await Task.Delay(100, limit.Token);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_missing_browser_is_a_failure_that_says_how_to_install_it()
    {
        using var printer = new PdfPrinter(
            Options.Create(new ReportOptions { ChromiumPath = "/nonexistent/chromium", WorkDirectory = _workRoot }),
            NullLogger<PdfPrinter>.Instance);

        var outcome = await printer.PrintAsync("<p>x</p>", CancellationToken.None);

        Assert.Contains("apt-get install chromium", Assert.IsType<PrintOutcome.Failed>(outcome).Detail, StringComparison.Ordinal);
    }

    private void AssertNothingLeft()
    {
        Assert.Empty(PdfPrinter.ProcessesMentioning(_workRoot));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_workRoot));
    }

    public void Dispose() => Directory.Delete(_workRoot, recursive: true);
}
