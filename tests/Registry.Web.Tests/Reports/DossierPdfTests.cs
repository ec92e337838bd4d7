using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Registry.Web.Features.Reports;

namespace Registry.Web.Tests.Reports;

/// <summary>The dossier printed from facts built by hand: layout, pagination and text, no database.</summary>
public sealed partial class DossierPdfTests : IDisposable
{
    private readonly PdfPrinter _printer = new(Options.Create(new ReportOptions()), NullLogger<PdfPrinter>.Instance);

    private async Task<PdfFile> PrintAsync(ModelDossier dossier)
    {
        var html = await new ReportRenderer(EmptyServices.Instance, NullLoggerFactory.Instance)
            .RenderAsync<DossierReport>(new Dictionary<string, object?> { [nameof(DossierReport.Dossier)] = dossier });
        return new PdfFile(Assert.IsType<PrintOutcome.Printed>(await _printer.PrintAsync(html, CancellationToken.None)).Pdf);
    }

    [Fact]
    public async Task The_dossier_is_an_A4_pdf_with_selectable_text_numbered_pages_and_a_clean_structure()
    {
        using var pdf = await PrintAsync(SampleReports.Dossier());

        Assert.Contains("(A4)", pdf.PageSize, StringComparison.Ordinal);
        Assert.True(pdf.Pages >= 2, $"{pdf.Pages} pages");
        PdfAssert.EveryPageNumbered(pdf);
        pdf.Check();
        Assert.DoesNotContain("Type 3", pdf.Fonts.Split('\n').Where(l => l.Contains("DejaVu", StringComparison.Ordinal)), StringComparer.Ordinal);
    }

    [Fact]
    public async Task The_dossier_holds_every_fact_the_contract_lists()
    {
        using var pdf = await PrintAsync(SampleReports.Dossier());

        var text = pdf.NormalizedText;
        var compact = pdf.CompactText;
        foreach (var expected in (string[])["churn", "Prioritise retention calls", "Not for credit decisions", "high", "scikit-learn", "1.4.2", "auc", "0.91",
            SampleReports.Approver, "Backtest looks right; ship it.", "production", "staging", "CHG-4", "rb-7f3a", "Latency regression",
            "Lineage", "Who changed what", "change number 12", "registry.test", "4211"])
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        Assert.Contains(SampleReports.DatasetHash, compact, StringComparison.Ordinal);
        Assert.Contains(SampleReports.Root, compact, StringComparison.Ordinal);
        Assert.Contains(SampleReports.Checkpoint.KeyFingerprintHex, compact, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_change_is_one_line_of_its_position_time_actor_event_and_summary_in_position_order()
    {
        var dossier = SampleReports.Dossier();
        using var pdf = await PrintAsync(dossier);

        var lines = pdf.Text.Split('\n').Select(l => Whitespace().Replace(l, " ").Trim()).ToList();
        var at = -1;
        foreach (var change in dossier.Changes)
        {
            var expected = $"{change.Position} · {Format.TimeInUtcColumn(change.At)} · {change.Actor} · {change.Type} · {change.Summary}";
            var found = lines.FindIndex(at + 1, l => l == expected);
            Assert.True(found > at, $"no line \"{expected}\" after line {at}");
            at = found;
        }
    }

    [Fact]
    public async Task Each_deployment_and_rollback_request_is_one_line_naming_who_when_and_which_versions()
    {
        var dossier = SampleReports.Dossier();
        using var pdf = await PrintAsync(dossier);

        var lines = pdf.Text.Split('\n').Select(l => Whitespace().Replace(l, " ").Trim()).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(dossier.Deployments);
        foreach (var d in dossier.Deployments)
        {
            var rollback = d.RollbackRequestId is { Length: > 0 } id ? $"rollback {id}" : "—";
            Assert.Contains($"{Format.Time(d.At)} · v{d.Version} · {d.DeployedBy} · {Format.OrDash(d.Reference)} · {rollback}", lines);
        }

        // A rollback's line is longer than the page is wide: it is read across the wrap.
        var r = Assert.Single(dossier.Rollbacks);
        Assert.Contains($"{Format.Time(r.RequestedAt)} · {r.Id} · {r.Environment} · v{r.FromVersion} → v{r.TargetVersion} · {r.RequestedBy} · {r.Reason} · {r.Status} · {r.DecidedBy}, {Format.Time(r.DecidedAt)}: {r.Comment}", pdf.NormalizedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dossier_of_many_versions_prints_its_lineage_in_parts_and_stays_numbered()
    {
        using var pdf = await PrintAsync(SampleReports.Dossier(versions: 60));

        Assert.True(pdf.Pages > 10, $"{pdf.Pages} pages");
        PdfAssert.EveryPageNumbered(pdf);
        Assert.Contains("Versions v1 · approved to v24 · approved", pdf.NormalizedText, StringComparison.Ordinal);
        Assert.Contains("v60 · pending-approval", pdf.NormalizedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dossier_of_a_model_with_many_versions_prints()
    {
        using var pdf = await PrintAsync(SampleReports.Dossier(versions: 200));

        Assert.Contains("(A4)", pdf.PageSize, StringComparison.Ordinal);
        Assert.True(pdf.Pages > 30, $"{pdf.Pages} pages");
        PdfAssert.EveryPageNumbered(pdf);
        pdf.Check();
        var text = pdf.NormalizedText;
        foreach (var number in Enumerable.Range(1, 200))
        {
            Assert.Contains($"v{number} {(number == 200 ? "pending-approval" : "approved")} registered", text, StringComparison.Ordinal);
        }

        Assert.Contains("Versions v193 · approved to v200 · pending-approval", pdf.NormalizedText, StringComparison.Ordinal);
        Assert.Contains("change number 800", pdf.NormalizedText, StringComparison.Ordinal);
    }

    public void Dispose() => _printer.Dispose();

    [System.Text.RegularExpressions.GeneratedRegex(@"\s+")]
    private static partial System.Text.RegularExpressions.Regex Whitespace();
}
