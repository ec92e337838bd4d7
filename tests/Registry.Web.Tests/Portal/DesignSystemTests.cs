using Registry.Web.Components.Ui;

namespace Registry.Web.Tests.Portal;

public sealed class DesignSystemTests
{
    [Theory]
    [InlineData("pending-approval", "warn", "Pending approval")]
    [InlineData("approved", "ok", "Approved")]
    [InlineData("rejected", "bad", "Rejected")]
    [InlineData("registered", "neutral", "Registered")]
    public async Task A_status_badge_says_its_state_in_words_not_only_in_colour(string status, string tone, string words)
    {
        var document = await ComponentRenderer.RenderAsync<Badge>(new() { ["Look"] = BadgeLook.VersionStatus(status), ["State"] = status });

        var badge = document.QuerySelector(".rg-badge")!;
        Assert.Contains(tone, badge.ClassList);
        Assert.Equal(words, badge.TextContent.Trim());
        Assert.Equal("true", badge.QuerySelector("i")!.GetAttribute("aria-hidden"));
    }

    [Fact]
    public async Task A_high_risk_tier_reads_high_risk()
    {
        var document = await ComponentRenderer.RenderAsync<Badge>(new() { ["Look"] = BadgeLook.RiskTier("high") });

        Assert.Equal("High risk", document.QuerySelector(".rg-badge")!.TextContent.Trim());
    }

    [Fact]
    public async Task The_pager_links_previous_and_next_pages_and_counts_the_rows_shown()
    {
        var document = await ComponentRenderer.RenderAsync<Pager>(new()
        {
            ["Page"] = 2,
            ["PageSize"] = 25,
            ["Total"] = 10_000L,
            ["Href"] = (Func<int, string>)(p => $"/models?page={p}"),
        });

        Assert.Equal("/models?page=1", document.QuerySelector("a[rel=prev]")!.GetAttribute("href"));
        Assert.Equal("/models?page=3", document.QuerySelector("a[rel=next]")!.GetAttribute("href"));
        Assert.Contains("26–50 of 10,000", document.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Page 2 of 400", document.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_last_page_has_no_next_link()
    {
        var document = await ComponentRenderer.RenderAsync<Pager>(new()
        {
            ["Page"] = 3,
            ["PageSize"] = 25,
            ["Total"] = 60L,
            ["Href"] = (Func<int, string>)(p => $"?page={p}"),
        });

        Assert.Null(document.QuerySelector("a[rel=next]"));
        Assert.Contains("51–60 of 60", document.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sorted_column_announces_its_order_and_links_to_the_opposite_one()
    {
        var document = await ComponentRenderer.RenderAsync<SortHeader>(new()
        {
            ["Column"] = "name",
            ["Label"] = "Model",
            ["CurrentSort"] = "name",
            ["CurrentDirection"] = "asc",
            ["Href"] = (Func<string, string, string>)((c, d) => $"/models?sort={c}&dir={d}"),
        }, "<table><thead><tr>{0}</tr></thead></table>");

        Assert.Equal("ascending", document.QuerySelector("th")!.GetAttribute("aria-sort"));
        Assert.Equal("/models?sort=name&dir=desc", document.QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task A_hash_is_selectable_text_and_its_copy_button_waits_for_javascript()
    {
        var hash = new string('a', 64);
        var document = await ComponentRenderer.RenderAsync<HashValue>(new() { ["Value"] = hash, ["Label"] = "artifact SHA-256" });

        Assert.Equal(hash, document.QuerySelector("code.rg-hash")!.TextContent);
        var button = document.QuerySelector("button[data-copy]")!;
        Assert.Equal(hash, button.GetAttribute("data-copy"));
        Assert.True(button.HasAttribute("hidden"));
        Assert.Equal("Copy artifact SHA-256", button.GetAttribute("aria-label"));
    }

    [Fact]
    public async Task Breadcrumbs_mark_the_last_step_as_the_current_page()
    {
        var document = await ComponentRenderer.RenderAsync<Breadcrumbs>(new() { ["Items"] = (IReadOnlyList<Crumb>)[new Crumb("Models", "/models"), new Crumb("churn")] });

        Assert.Equal("/models", document.QuerySelector("nav[aria-label=Breadcrumb] a")!.GetAttribute("href"));
        Assert.Equal("churn", document.QuerySelector("[aria-current=page]")!.TextContent);
    }

    [Fact]
    public async Task The_as_of_banner_names_the_time_in_utc_and_links_back_to_now()
    {
        var at = new DateTimeOffset(2026, 11, 1, 9, 30, 0, TimeSpan.Zero);
        var document = await ComponentRenderer.RenderAsync<AsOfBanner>(new() { ["At"] = at, ["CurrentHref"] = "/models/churn" });

        var banner = document.QuerySelector(".rg-asof-banner")!;
        Assert.Contains("as of 2026-11-01 09:30 UTC", banner.TextContent, StringComparison.Ordinal);
        Assert.Equal("2026-11-01T09:30:00Z", banner.GetAttribute("data-as-of"));
        Assert.Equal("/models/churn", banner.QuerySelector("a")!.GetAttribute("href"));
    }

    [Theory]
    [InlineData("2026-11-01T09:30", "2026-11-01T09:30:00Z")]
    [InlineData("2026-11-01T09:30:15", "2026-11-01T09:30:15Z")]
    [InlineData("2026-11-01T10:30:00+01:00", "2026-11-01T09:30:00Z")]
    [InlineData("2026-11-01T09:30:00Z", "2026-11-01T09:30:00Z")]
    [InlineData("2026-11-01T09:30:15.2500000Z", "2026-11-01T09:30:15.25Z")]
    public void As_of_reads_datetime_local_values_as_utc_and_honours_explicit_offsets(string input, string expected)
    {
        Assert.Equal(expected, AsOf.ToQueryValue(AsOf.Parse(input)!.Value));
    }

    [Theory]
    [InlineData("2026-11-01T09:30:15.2500000Z", "2026-11-01T09:30:15")]
    [InlineData("2026-11-01T09:30:00.7500000Z", "2026-11-01T09:30")]
    [InlineData("2026-11-01T10:30:00+01:00", "2026-11-01T09:30")]
    public void As_of_fills_a_datetime_local_input_in_utc_to_the_second_without_zero_seconds(string time, string expected)
    {
        Assert.Equal(expected, AsOf.ToInputValue(DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    public void As_of_ignores_what_is_not_a_time(string? input)
    {
        Assert.Null(AsOf.Parse(input));
    }

    [Fact]
    public void Urls_escape_names_and_skip_empty_parameters()
    {
        Assert.Equal("/models?q=a%26b&sort=risk", Url.With("/models", ("q", "a&b"), ("owner", null), ("sort", "risk")));
        Assert.Equal("/models/churn-v2/versions/3", Url.Version("churn-v2", 3));
        Assert.Equal("/models/churn/diff?from=1&to=2", Url.Diff("churn", 1, 2));
    }
}
