using System.Net;
using System.Net.Http.Json;

namespace Registry.Web.Tests.Features;

public sealed class ModelsApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task A_data_scientist_creates_a_model_and_gets_201_with_location_and_etag()
    {
        var response = await app.As("dana").PostAsJsonAsync("/api/v1/models", new
        {
            name = "churn",
            description = "Predicts churn",
            owner = "team-a",
            riskTier = "high",
            intendedUse = "retention offers",
            restrictions = "not for credit decisions",
            tags = new Dictionary<string, string> { ["domain"] = "crm" },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/models/churn", response.Headers.Location?.OriginalString);
        Assert.Equal("\"r1\"", response.Headers.ETag?.ToString());
        var model = await response.JsonAsync();
        Assert.Equal("high", model.GetProperty("riskTier").GetString());
        Assert.Equal("dana", model.GetProperty("createdBy").GetString());
        Assert.Equal("crm", model.GetProperty("tags").GetProperty("domain").GetString());
    }

    [Fact]
    public async Task Creating_a_model_that_exists_is_409_and_appends_nothing()
    {
        await app.CreateModelAsync("dup");
        var before = await app.EventCountAsync();

        var response = await app.As("dave").PostAsJsonAsync("/api/v1/models", new { name = "dup", riskTier = "low" });

        await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Theory]
    [InlineData("""{"name":"Bad Name","riskTier":"low"}""", "name")]
    [InlineData("""{"name":"ok","riskTier":"extreme"}""", "riskTier")]
    [InlineData("""{"name":"ok"}""", "riskTier")]
    [InlineData("""{"name":"ok","riskTier":"low","tags":{"a":1}}""", "tags.a")]
    [InlineData("""{"name":"ok","riskTier":"low","colour":"red"}""", "colour")]
    [InlineData("""{"name":"ok","riskTier":"low","description":"\u0000"}""", "description")]
    public async Task Bad_input_is_400_naming_the_field_and_appends_nothing(string body, string field)
    {
        var before = await app.EventCountAsync();

        var response = await app.As("dana").PostRawAsync("/api/v1/models", body);

        await response.ProblemAsync(HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Anonymous_callers_get_401_and_roles_that_may_not_create_get_403()
    {
        var before = await app.EventCountAsync();

        var anonymous = await app.Anonymous().PostAsJsonAsync("/api/v1/models", new { name = "x1", riskTier = "low" });
        var auditor = await app.As("audrey").PostAsJsonAsync("/api/v1/models", new { name = "x1", riskTier = "low" });
        var approver = await app.As("ivan").PostAsJsonAsync("/api/v1/models", new { name = "x1", riskTier = "low" });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, auditor.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, approver.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous().GetAsync("/api/v1/models")).StatusCode);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Search_matches_name_and_description_filters_by_owner_and_risk_and_pages()
    {
        await app.CreateModelAsync("search-fraud-a", "high", "Card fraud scoring");
        await app.CreateModelAsync("search-fraud-b", "low", "Fraud rules");
        await app.CreateModelAsync("search-credit", "high", "Credit limits, not FRAUD");

        var all = await (await app.As("audrey").GetAsync("/api/v1/models?q=fraud")).JsonAsync();
        var high = await (await app.As("audrey").GetAsync("/api/v1/models?q=fraud&riskTier=high&pageSize=1&page=2")).JsonAsync();
        var none = await (await app.As("audrey").GetAsync("/api/v1/models?q=fraud&owner=nobody")).JsonAsync();

        Assert.Equal(3, all.GetProperty("total").GetInt32());
        Assert.Equal(2, high.GetProperty("total").GetInt32());
        Assert.Equal("search-fraud-a", Assert.Single(high.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(0, none.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Search_ignores_case_on_both_sides_and_reads_percent_and_underscore_literally()
    {
        await app.CreateModelAsync("case-upper", "low", "ÜBER Zebra Scoring");
        await app.CreateModelAsync("case-percent", "low", "zebra 100% calibrated");
        await app.CreateModelAsync("case-underscore", "low", "zebra_stripes");

        var upper = await (await app.As("audrey").GetAsync("/api/v1/models?q=über%20ZEBRA")).JsonAsync();
        var percent = await (await app.As("audrey").GetAsync("/api/v1/models?q=100%25")).JsonAsync();
        var underscore = await (await app.As("audrey").GetAsync("/api/v1/models?q=zebra_")).JsonAsync();

        Assert.Equal(["case-upper"], upper.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(["case-percent"], percent.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(["case-underscore"], underscore.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_search_total_counts_models_created_or_described_after_the_same_search_was_answered()
    {
        await app.CreateModelAsync("okapi-one", "low", "Okapi sightings");
        var before = await (await app.As("audrey").GetAsync("/api/v1/models?q=okapi&pageSize=1")).JsonAsync();

        await app.CreateModelAsync("okapi-two", "low", "More okapi sightings");
        var afterCreate = await (await app.As("audrey").GetAsync("/api/v1/models?q=okapi&pageSize=1")).JsonAsync();
        await app.CreateModelAsync("plain-three", "low", "Giraffes");
        var patched = await app.As("dana").PatchJsonAsync("/api/v1/models/plain-three", new { description = "Giraffes and an OKAPI" });
        var afterPatch = await (await app.As("audrey").GetAsync("/api/v1/models?q=okapi&pageSize=1")).JsonAsync();
        var secondPage = await (await app.As("audrey").GetAsync("/api/v1/models?q=okapi&pageSize=1&page=3")).JsonAsync();

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(1, before.GetProperty("total").GetInt32());
        Assert.Equal(2, afterCreate.GetProperty("total").GetInt32());
        Assert.Equal(3, afterPatch.GetProperty("total").GetInt32());
        Assert.Equal(3, secondPage.GetProperty("total").GetInt32());
        Assert.Equal("plain-three", Assert.Single(secondPage.GetProperty("items").EnumerateArray()).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("/api/v1/models?pageSize=501", "pageSize")]
    [InlineData("/api/v1/models?page=0", "page")]
    [InlineData("/api/v1/models?riskTier=huge", "riskTier")]
    [InlineData("/api/v1/models?page=abc", "page")]
    public async Task Bad_search_parameters_are_400_naming_the_parameter(string url, string field)
    {
        await (await app.As("audrey").GetAsync(url)).ProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Reading_an_unknown_model_is_404()
    {
        await (await app.As("audrey").GetAsync("/api/v1/models/nope")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("audrey").GetAsync("/api/v1/models/NOT%20A%20NAME")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Patch_with_the_current_etag_updates_and_a_stale_etag_is_412_appending_nothing()
    {
        await app.CreateModelAsync("patchy");
        var etag = (await app.As("dana").GetAsync("/api/v1/models/patchy")).Headers.ETag!.ToString();

        var updated = await app.As("dana").PatchJsonAsync("/api/v1/models/patchy", new { description = "v2", owner = "team-b" }, etag);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("\"r2\"", updated.Headers.ETag?.ToString());
        Assert.Equal("team-b", (await updated.JsonAsync()).GetProperty("owner").GetString());

        var before = await app.EventCountAsync();
        var stale = await app.As("dana").PatchJsonAsync("/api/v1/models/patchy", new { description = "v3" }, etag);
        await stale.ProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Patch_failures_are_400_404_and_403()
    {
        await app.CreateModelAsync("patch-fail");
        var before = await app.EventCountAsync();

        await (await app.As("dana").PatchJsonAsync("/api/v1/models/patch-fail", new { riskTier = "extreme" })).ProblemAsync(HttpStatusCode.BadRequest, "riskTier");
        await (await app.As("dana").PatchJsonAsync("/api/v1/models/patch-fail", new { })).ProblemAsync(HttpStatusCode.BadRequest, "body");
        await (await app.As("dana").PatchJsonAsync("/api/v1/models/no-such", new { description = "x" })).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("ivan").PatchJsonAsync("/api/v1/models/patch-fail", new { description = "x" })).StatusCode);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task As_of_a_past_time_the_model_is_read_as_it_stood_then()
    {
        await app.CreateModelAsync("history", description: "first");
        var between = (await (await app.As("dana").GetAsync("/api/v1/models/history")).JsonAsync()).GetProperty("updatedAt").GetDateTime().AddTicks(5);
        await Task.Delay(20);
        Assert.Equal(HttpStatusCode.OK, (await app.As("dana").PatchJsonAsync("/api/v1/models/history", new { description = "second" })).StatusCode);
        var t = Uri.EscapeDataString(between.ToString("O"));

        var then = await (await app.As("audrey").GetAsync($"/api/v1/models/history?asOf={t}")).JsonAsync();
        var now = await (await app.As("audrey").GetAsync("/api/v1/models/history")).JsonAsync();

        Assert.Equal("first", then.GetProperty("description").GetString());
        Assert.Equal("second", now.GetProperty("description").GetString());
        await (await app.As("audrey").GetAsync("/api/v1/models/history?asOf=2000-01-01T00:00:00Z")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("audrey").GetAsync("/api/v1/models/history?asOf=yesterday")).ProblemAsync(HttpStatusCode.BadRequest, "asOf");
    }
}
