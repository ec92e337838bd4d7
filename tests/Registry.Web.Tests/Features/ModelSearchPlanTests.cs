// A search finds its page either through the trigram index or by walking the index of the page's
// order (decision 0013). Whichever is chosen, the API and the portal must answer exactly what a plain
// filtered scan of the models answers: the same rows, in the same order, with the same total.
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Web.Features.Models;

namespace Registry.Web.Tests.Features;

public sealed class ModelSearchPlanTests(ModelSearchPlanTests.Fixture app) : IClassFixture<ModelSearchPlanTests.Fixture>
{
    /// <summary>"Heron" is in a third of the 120 models (a common word), "Bittern" in two (a rare one).</summary>
    public sealed class Fixture : RegistryApiFixture
    {
        public const int Models = 120;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            // Created out of name order, so the table's physical order is not the page's order.
            foreach (var i in Enumerable.Range(0, Models).OrderBy(i => (i * 37) % Models))
            {
                var description = (i % 3, i) switch
                {
                    (_, 17 or 90) => $"Counts BITTERNS at site {i}",
                    (0, _) => $"Tracks the grey Heron, colony {i}",
                    _ => $"Watches egrets at pond {i}",
                };
                var response = await As("dana").PostAsJsonAsync("/api/v1/models", new { name = $"bird-{i:D3}", riskTier = (i % 4) switch { 0 => "high", 1 => "medium", _ => "low" }, description, owner = i % 2 == 0 ? "zoe" : "hanako" });
                response.EnsureSuccessStatusCode();
            }

            // What autovacuum would have done: the plan reads the number of models from the statistics.
            await using var analyze = DataSource.CreateCommand("ANALYZE registry.models");
            await analyze.ExecuteNonQueryAsync();
        }
    }

    [Theory]
    [InlineData("heron", null)]
    [InlineData("HERON", "low")]
    [InlineData("bittern", null)]
    [InlineData("no such bird", null)]
    public async Task Every_api_page_of_a_common_or_rare_word_is_the_page_a_plain_filtered_scan_gives(string q, string? riskTier)
    {
        var expected = await PlainScanAsync(q, riskTier, "m.name");
        const int pageSize = 7;

        for (var page = 1; page <= expected.Count / pageSize + 2; page++)
        {
            // Twice: the first answer of a search uses the trigram index, the next one what its total chose.
            for (var ask = 0; ask < 2; ask++)
            {
                var url = $"/api/v1/models?q={Uri.EscapeDataString(q)}&pageSize={pageSize}&page={page}" + (riskTier is null ? "" : $"&riskTier={riskTier}");
                var body = await (await app.As("audrey").GetAsync(url)).JsonAsync();

                Assert.Equal(expected.Count, body.GetProperty("total").GetInt32());
                Assert.Equal(expected.Skip((page - 1) * pageSize).Take(pageSize), body.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
            }
        }
    }

    [Theory]
    [InlineData("heron", "name", "asc")]
    [InlineData("heron", "risk", "desc")]
    [InlineData("Bittern", "name", "desc")]
    public async Task Every_portal_page_of_a_common_or_rare_word_is_the_page_a_plain_filtered_scan_gives(string q, string sort, string direction)
    {
        var order = sort == "risk" ? "CASE m.risk_tier WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END" : "m.name";
        var expected = await PlainScanAsync(q, null, $"{order} {direction}, m.name {direction}");
        var search = app.Services.GetRequiredService<ModelSearch>();
        const int pageSize = 10;

        for (var page = 1; page <= expected.Count / pageSize + 2; page++)
        {
            for (var ask = 0; ask < 2; ask++)
            {
                var (rows, total) = await search.FindAsync(ModelQuery.From(q, null, null, null, null, sort, direction, page, pageSize), CancellationToken.None);

                Assert.Equal(expected.Count, total);
                Assert.Equal(expected.Skip((page - 1) * pageSize).Take(pageSize), rows.Select(r => r.Name));
            }
        }
    }

    [Fact]
    public async Task After_its_first_answer_a_common_word_walks_the_order_and_a_rare_word_keeps_the_trigram_index()
    {
        var totals = app.Services.GetRequiredService<SearchTotals>();
        await app.As("audrey").GetAsync("/api/v1/models?q=heron&pageSize=7");
        await app.As("audrey").GetAsync("/api/v1/models?q=bittern&pageSize=7");
        await app.Services.GetRequiredService<ModelSearch>().FindAsync(ModelQuery.From("heron", null, null, null, null, "risk", "desc", 1, 10), CancellationToken.None);

        Assert.Equal(SearchPlan.OrderIndex, totals.Plan(ModelsApi.SearchKey("heron", null, null), offset: 0, limit: 7));
        Assert.Equal(SearchPlan.OrderIndex, totals.Plan(ModelSearch.Key(ModelQuery.From("heron", null, null, null, null, "risk", "desc", 1, 10)), offset: 0, limit: 10));
        Assert.Equal(SearchPlan.TrigramIndex, totals.Plan(ModelsApi.SearchKey("bittern", null, null), offset: 0, limit: 7));
        Assert.Equal(SearchPlan.TrigramIndex, totals.Plan(ModelsApi.SearchKey("never asked", null, null), offset: 0, limit: 7));
    }

    [Theory]
    [InlineData(1_000, 10_000, 0, 20, true)] // a tenth of the models: the first page is 200 rows into the walk
    [InlineData(1_000, 10_000, 380, 20, true)] // 4,000 rows walked for 1,000 matches: the limit
    [InlineData(1_000, 10_000, 400, 20, false)] // deeper pages cost more to walk than to look up
    [InlineData(10, 10_000, 0, 20, false)] // a rare word: 20,000 rows walked for 10 matches
    [InlineData(0, 10_000, 0, 20, false)] // no match: the walk would read every model
    [InlineData(1_000, -1, 0, 20, false)] // the table was never analyzed: how common the word is is unknown
    public void A_walk_is_chosen_when_it_reads_at_most_four_rows_per_match_of_the_trigram_index(long total, long models, long offset, int limit, bool walks)
    {
        Assert.Equal(walks, SearchTotals.Walks(total, models, offset, limit));
    }

    /// <summary>The names a sequential scan with the original condition (ILIKE over name and description) finds, in <paramref name="order"/>.</summary>
    private async Task<List<string>> PlainScanAsync(string q, string? riskTier, string order)
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var off = new NpgsqlCommand("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexonlyscan = off", connection, transaction))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(
            $"SELECT m.name FROM registry.models m WHERE (m.name || ' ' || coalesce(m.description, '')) ILIKE '%' || $1 || '%' AND ($2::text IS NULL OR m.risk_tier = $2) ORDER BY {order}",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = q });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)riskTier ?? DBNull.Value });
        var names = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        return names;
    }
}
