using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Registry.Web.Features.Evidence;
using Registry.Web.Features.Reports;
using Registry.Web.Tests.Features;

namespace Registry.Web.Tests.Reports;

/// <summary>A host with a model whose history spans an "as of" instant, and an approver with a Unicode name.</summary>
public sealed class ReportsFixture : RegistryApiFixture
{
    public const string Approver = "Zoë Ångström-Łukasz";

    public DateTimeOffset BetweenVersions { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var created = await As("admin").PostAsJsonAsync("/api/v1/users", new { username = "zoe", displayName = Approver, roles = new[] { "approver" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = await (await As("admin").PostAsJsonAsync("/api/v1/users/zoe/tokens", new { name = "tests" })).JsonAsync();
        Zoe = CreateTokenClient(token.GetProperty("token").GetString()!);

        await CreateModelAsync("churn", "medium", "Predicts customer churn");
        var v1 = await RegisterAsync("churn", datasetSha: Hashes.A, notes: "first of its name");
        Assert.Equal(HttpStatusCode.OK, (await As("dana").PostAsync($"/api/v1/models/churn/versions/{v1}/submit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Zoe.PostAsJsonAsync($"/api/v1/models/churn/versions/{v1}/approvals", new { decision = "approve", comment = "Backtest holds; ship it" })).StatusCode);
        await DeployAsync("churn", v1, "production");

        await Task.Delay(50);
        BetweenVersions = DateTimeOffset.UtcNow;
        await Task.Delay(50);

        await RegisterAsync("churn", datasetSha: Hashes.B, parentVersion: v1, notes: "second thoughts");
    }

    public HttpClient Zoe { get; private set; } = null!;
}

public sealed class ReportsApiTests(ReportsFixture app) : IClassFixture<ReportsFixture>
{
    [Fact]
    public async Task The_dossier_reads_back_with_the_model_a_dataset_hash_the_approver_and_the_checkpoint_root()
    {
        var response = await app.As("audrey").GetAsync(new Uri("/api/v1/models/churn/report.pdf", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        using var pdf = new PdfFile(await response.Content.ReadAsByteArrayAsync());
        var checkpoint = await SignedCheckpoint.LatestAsync(app.DataSource, CancellationToken.None);
        Assert.Contains("(A4)", pdf.PageSize, StringComparison.Ordinal);
        PdfAssert.EveryPageNumbered(pdf);
        pdf.Check();
        Assert.Contains("churn", pdf.NormalizedText, StringComparison.Ordinal);
        Assert.Contains(ReportsFixture.Approver, pdf.NormalizedText, StringComparison.Ordinal);
        Assert.Contains("Backtest holds; ship it", pdf.NormalizedText, StringComparison.Ordinal);
        Assert.Contains("second thoughts", pdf.NormalizedText, StringComparison.Ordinal);
        Assert.Contains(Hashes.A, pdf.CompactText, StringComparison.Ordinal);
        Assert.Contains(checkpoint!.RootHashHex, pdf.CompactText, StringComparison.Ordinal);
        Assert.Contains(checkpoint.KeyFingerprint, pdf.CompactText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dossier_as_of_a_time_shows_the_model_as_it_stood_then()
    {
        var asOf = Uri.EscapeDataString(EvidenceScope.Rfc3339(app.BetweenVersions));

        var response = await app.As("audrey").GetAsync(new Uri($"/api/v1/models/churn/report.pdf?asOf={asOf}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var pdf = new PdfFile(await response.Content.ReadAsByteArrayAsync());
        var text = pdf.NormalizedText;
        Assert.Contains("As it stood at", text, StringComparison.Ordinal);
        Assert.Contains("first of its name", text, StringComparison.Ordinal);
        Assert.Contains(ReportsFixture.Approver, text, StringComparison.Ordinal);
        Assert.DoesNotContain("second thoughts", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Hashes.B, pdf.CompactText, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\bv2\b", text);
    }

    [Fact]
    public async Task Bad_requests_are_problems_naming_the_field_and_an_unknown_model_is_404()
    {
        var client = app.As("audrey");

        await (await client.GetAsync(new Uri("/api/v1/models/churn/report.pdf?asOf=yesterday", UriKind.Relative))).ProblemAsync(HttpStatusCode.BadRequest, "asOf");
        await (await client.GetAsync(new Uri("/api/v1/models/no-such-model/report.pdf", UriKind.Relative))).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync(new Uri("/api/v1/models/churn/report.pdf?asOf=2000-01-01T00:00:00Z", UriKind.Relative))).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync(new Uri("/api/v1/models/no-such-model/evidence", UriKind.Relative))).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync(new Uri("/api/v1/evidence?to=2026-01-01", UriKind.Relative))).ProblemAsync(HttpStatusCode.BadRequest, "from");
        await (await client.GetAsync(new Uri("/api/v1/reports/activity.pdf?from=2026-02-01&to=2026-01-01", UriKind.Relative))).ProblemAsync(HttpStatusCode.BadRequest, "to");
    }

    [Fact]
    public async Task Exports_need_a_caller_and_the_access_report_needs_a_reviewer()
    {
        using var anonymous = app.Anonymous();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/api/v1/models/churn/report.pdf", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("/api/v1/models/churn/evidence", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("dana").GetAsync(new Uri("/api/v1/reports/access.pdf", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task The_model_evidence_bundle_verifies_and_holds_every_event_of_the_model()
    {
        var response = await app.As("dana").GetAsync(new Uri("/api/v1/models/churn/evidence", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        var zip = await response.Content.ReadAsByteArrayAsync();
        var report = Registry.Cli.Evidence.BundleVerifier.Verify(Files(zip));
        Assert.True(report.Ok, string.Join("; ", report.Failures));
        Assert.Equal("model:churn", report.Scope);
        await using var count = app.DataSource.CreateCommand("SELECT count(*) FROM registry.events WHERE stream = 'model-churn'");
        Assert.Equal((long)(await count.ExecuteScalarAsync())!, report.EventsChecked);
    }

    [Fact]
    public async Task A_period_bundle_and_the_activity_report_cover_every_change_of_the_period()
    {
        var from = Uri.EscapeDataString(EvidenceScope.Rfc3339(DateTimeOffset.UtcNow.AddHours(-1)));
        var to = Uri.EscapeDataString(EvidenceScope.Rfc3339(DateTimeOffset.UtcNow.AddHours(1)));

        var bundle = await app.As("audrey").GetAsync(new Uri($"/api/v1/evidence?from={from}&to={to}", UriKind.Relative));
        var activity = await app.As("audrey").GetAsync(new Uri($"/api/v1/reports/activity.pdf?from={from}&to={to}", UriKind.Relative));

        var report = Registry.Cli.Evidence.BundleVerifier.Verify(Files(await bundle.Content.ReadAsByteArrayAsync()));
        Assert.True(report.Ok, string.Join("; ", report.Failures));
        Assert.Equal(report.TreeSize, report.EventsChecked);
        Assert.Equal(HttpStatusCode.OK, activity.StatusCode);
        using var pdf = new PdfFile(await activity.Content.ReadAsByteArrayAsync());
        PdfAssert.EveryPageNumbered(pdf);
        pdf.Check();
        var text = pdf.NormalizedText;
        Assert.Contains("churn", text, StringComparison.Ordinal);
        Assert.Contains(ReportsFixture.Approver, text, StringComparison.Ordinal);
        Assert.Contains("deployed version 1 to production", text, StringComparison.Ordinal);
        Assert.Contains("created account zoe", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_access_report_lists_every_user_with_roles_and_who_granted_them()
    {
        var response = await app.As("audrey").GetAsync(new Uri("/api/v1/reports/access.pdf", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var pdf = new PdfFile(await response.Content.ReadAsByteArrayAsync());
        PdfAssert.EveryPageNumbered(pdf);
        pdf.Check();
        var text = pdf.NormalizedText;
        Assert.Contains($"{ReportsFixture.Approver} (zoe)", text, StringComparison.Ordinal);
        foreach (var user in RegistryApiFixture.Users.Keys)
        {
            Assert.Contains(user, text, StringComparison.Ordinal);
        }

        Assert.Contains("Granted by", text, StringComparison.Ordinal);
        Assert.Contains("tests", text, StringComparison.Ordinal);
    }

    private static Dictionary<string, byte[]> Files(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        }, StringComparer.Ordinal);
    }
}

/// <summary>
/// A host whose reports can never print in time: a short <c>Registry:Reports:Timeout</c>, and the real
/// Chromium started with renderers that never run, so the timeout is certain however fast the machine.
/// </summary>
public sealed class SlowReportsFixture : RegistryApiFixture
{
    private readonly string _folder = Directory.CreateTempSubdirectory("registry-slow-reports-").FullName;

    public string Folder => _folder;

    public string WorkRoot => Path.Combine(_folder, "work");

    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkRoot);
        var browser = Path.Combine(_folder, "chromium");
        // Every argument as the printer gave it, and renderers that wait at start-up for a debugger that
        // never comes: the browser runs and answers, but no page ever loads.
        await File.WriteAllTextAsync(browser, "#!/bin/bash\nexec /usr/bin/chromium \"$@\" --renderer-startup-dialog\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await base.InitializeAsync();
        await CreateModelAsync("churn");
        await RegisterAsync("churn");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Registry:Reports:Timeout", "00:00:01");
        builder.UseSetting("Registry:Reports:ChromiumPath", Path.Combine(_folder, "chromium"));
        builder.UseSetting("Registry:Reports:WorkDirectory", WorkRoot);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

public sealed class ReportTimeoutTests(SlowReportsFixture app) : IClassFixture<SlowReportsFixture>
{
    [Fact]
    public async Task A_report_that_times_out_is_a_503_problem_saying_so_with_retry_after_and_leaves_no_browser_running()
    {
        var response = await app.As("audrey").GetAsync(new Uri("/api/v1/models/churn/report.pdf", UriKind.Relative));

        var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The report took too long", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("took longer than 1 s and was stopped; nothing was left running", detail, StringComparison.Ordinal);
        Assert.Contains("Registry:Reports:Timeout", detail, StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
        // Every process this host's printer starts names the fixture's folder (work folder, profile, page).
        Assert.Empty(PdfPrinter.ProcessesMentioning(app.Folder));
        Assert.Empty(Directory.EnumerateFileSystemEntries(app.WorkRoot));
    }
}
