using System.Net;
using Registry.Testing;

namespace Registry.Web.Tests.Audit;

/// <summary>/audit and /audit.csv over HTTP. The log is filled by creating accounts (each one appends UserCreated, TokenIssued…).</summary>
public sealed class WhoChangedWhatPageTests(WhoChangedWhatPageTests.Fixture fixture) : IClassFixture<WhoChangedWhatPageTests.Fixture>
{
    public sealed class Fixture : RegistryApp
    {
        public Persona Auditor { get; private set; } = null!;

        public Persona Scientist { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Auditor = await this.CreateAsync("audra", "Audra Auditor", "auditor");
            Scientist = await this.CreateAsync("dana", "Dana <script>alert('dana')</script>", "data-scientist");
        }
    }

    [Fact]
    public async Task Every_role_reads_the_log_newest_first_with_positions_linked_to_their_proofs()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/audit");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var positions = page.Document.QuerySelectorAll("tr[data-position]").Select(r => long.Parse(r.GetAttribute("data-position")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(positions.Count >= 4, $"expected the account events, got {positions.Count}");
        Assert.Equal(positions.OrderDescending(), positions);
        Assert.Equal(await fixture.EventCountAsync(), positions[0]);
        Assert.NotNull(page.Document.QuerySelector($"a[href='/integrity/proofs/{positions[0]}']"));
    }

    [Fact]
    public async Task Filtering_by_actor_and_type_keeps_only_matching_events_and_keeps_the_filter_in_the_form()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/audit?actor=admin&type=UserCreated");

        var rows = page.Document.QuerySelectorAll("tr[data-position]");
        Assert.Equal(Math.Min(50, await fixture.CountAsync("actor = 'admin' AND type = 'UserCreated'")), rows.Length);
        Assert.True(rows.Length >= 2);
        Assert.All(rows, r => Assert.Contains("UserCreated", r.TextContent, StringComparison.Ordinal));
        Assert.Equal("admin", page.Document.QuerySelector("#audit-actor")!.GetAttribute("value"));
        Assert.Equal("UserCreated", page.Document.QuerySelector("#audit-type")!.GetAttribute("value"));
        Assert.Equal("/audit.csv?actor=admin&type=UserCreated", page.Document.QuerySelector("a[href^='/audit.csv']")!.GetAttribute("href"));
    }

    [Fact]
    public async Task A_time_range_in_the_future_matches_nothing_and_says_so()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/audit?from=2999-01-01T00:00");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Empty(page.Document.QuerySelectorAll("tr[data-position]"));
        Assert.Contains("No event matches this filter", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_time_is_a_400_that_names_the_field()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/audit?to=soon");

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("To is not a date and time", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paging_by_position_walks_the_whole_log_without_gaps_or_repeats()
    {
        // Enough accounts for more than one page of events.
        for (var i = 0; i < 30; i++)
        {
            await fixture.CreateAsync($"pager{i}", $"Pager {i}", "auditor");
        }

        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);
        var seen = new List<long>();
        var url = "/audit";
        for (var guard = 0; guard < 20 && url is not null; guard++)
        {
            var page = await client.GetPageAsync(url);
            seen.AddRange(page.Document.QuerySelectorAll("tr[data-position]").Select(r => long.Parse(r.GetAttribute("data-position")!, System.Globalization.CultureInfo.InvariantCulture)));
            url = page.Document.QuerySelector("a[rel=next]")?.GetAttribute("href");
        }

        var total = await fixture.EventCountAsync();
        Assert.True(total > 50);
        Assert.Equal(Enumerable.Range(1, (int)total).Select(i => (long)i).Reverse(), seen);

        var second = await client.GetPageAsync($"/audit?before={total - 49}");
        var newer = second.Document.QuerySelector("a[rel=prev]")!.GetAttribute("href")!;
        var back = await client.GetPageAsync(newer);
        Assert.Equal(total, long.Parse(back.Document.QuerySelector("tr[data-position]")!.GetAttribute("data-position")!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_CSV_export_holds_exactly_the_filtered_events_oldest_first()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var response = await client.GetAsync(new Uri("/audit.csv?type=UserCreated", UriKind.Relative));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment;", response.Content.Headers.ContentDisposition?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Equal(AuditCsvHeader, lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.True(rows.Count >= 2);
        Assert.All(rows, r => Assert.Equal("UserCreated", r[3]));
        Assert.Equal(rows.Select(r => long.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)).Order(), rows.Select(r => long.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(rows, r => Assert.Matches("^[0-9a-f]{64}$", r[7]));
    }

    [Fact]
    public async Task Anonymous_visitors_are_sent_to_sign_in_and_get_no_CSV()
    {
        using var client = fixture.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var page = await client.GetAsync(new Uri("/audit", UriKind.Relative));
        var csv = await client.GetAsync(new Uri("/audit.csv", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/sign-in", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.OK, csv.StatusCode);
        Assert.DoesNotContain("position,recorded_at", await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Free_text_and_query_values_are_encoded_never_run()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/audit?actor=%3Cscript%3Ealert(1)%3C%2Fscript%3E&type=UserCreated");
        var all = await client.GetPageAsync("/audit");
        var raw = await (await client.GetAsync(new Uri("/audit", UriKind.Relative))).Content.ReadAsStringAsync();

        Assert.Equal("<script>alert(1)</script>", page.Document.QuerySelector("#audit-actor")!.GetAttribute("value"));
        Assert.DoesNotContain(page.Document.QuerySelectorAll("script"), s => s.TextContent.Contains("alert", StringComparison.Ordinal));
        Assert.DoesNotContain(all.Document.QuerySelectorAll("script"), s => s.TextContent.Contains("alert", StringComparison.Ordinal));
        Assert.Contains(all.Document.QuerySelectorAll(".audit-envelope"), e => e.TextContent.Contains("Dana <script>alert('dana')</script>", StringComparison.Ordinal));
        Assert.DoesNotContain("<script>alert('dana')", raw, StringComparison.Ordinal);
    }

    private const string AuditCsvHeader = "position,recorded_at,actor,type,stream,stream_version,reason,leaf_hash,chain_hash";
}
