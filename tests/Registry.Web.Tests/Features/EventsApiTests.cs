using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Registry.Web.Tests.Features;

public sealed class EventsApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task The_audit_log_returns_each_event_with_its_canonical_envelope_and_hashes()
    {
        await app.CreateModelAsync("audited");
        await app.RegisterAsync("audited");

        var page = await (await app.As("audrey").GetAsync("/api/v1/events?stream=model-audited")).JsonAsync();

        var events = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["ModelCreated", "VersionRegistered"], events.Select(e => e.GetProperty("type").GetString()));
        var registered = events[1];
        Assert.Equal("dana", registered.GetProperty("actor").GetString());
        Assert.Equal(2, registered.GetProperty("version").GetInt32());
        Assert.Equal(Hashes.C, registered.GetProperty("data").GetProperty("artifact").GetProperty("sha256").GetString());
        Assert.False(string.IsNullOrEmpty(registered.GetProperty("metadata").GetProperty("correlationId").GetString()));
        var canonical = Encoding.UTF8.GetBytes(registered.GetProperty("canonical").GetString()!);
        var leaf = Convert.ToHexStringLower(SHA256.HashData([0, .. canonical]));
        Assert.Equal(leaf, registered.GetProperty("leafHash").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", registered.GetProperty("recordedAt").GetString());
    }

    [Fact]
    public async Task The_log_filters_by_actor_type_and_time_and_pages_by_cursor()
    {
        await app.CreateModelAsync("filtered");
        await app.RegisterAsync("filtered", user: "dave");
        await app.RegisterAsync("filtered", user: "dave");

        var byDave = await (await app.As("audrey").GetAsync("/api/v1/events?actor=dave&type=VersionRegistered")).JsonAsync();
        Assert.Equal(2, byDave.GetProperty("total").GetInt32());

        var first = await (await app.As("audrey").GetAsync("/api/v1/events?stream=model-filtered&limit=2")).JsonAsync();
        var next = first.GetProperty("next").GetInt64();
        var rest = await (await app.As("audrey").GetAsync($"/api/v1/events?stream=model-filtered&after={next}")).JsonAsync();
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal(1, rest.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKindNull, rest.GetProperty("next").ValueKind);

        var future = await (await app.As("audrey").GetAsync("/api/v1/events?from=2999-01-01T00:00:00Z")).JsonAsync();
        Assert.Equal(0, future.GetProperty("items").GetArrayLength());

        var pageTwo = await (await app.As("audrey").GetAsync("/api/v1/events?page=2&pageSize=1")).JsonAsync();
        Assert.Equal(2, pageTwo.GetProperty("items")[0].GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task The_log_up_to_a_time_includes_that_instant_and_nothing_after()
    {
        await app.CreateModelAsync("bounded");
        await app.RegisterAsync("bounded");
        var all = (await (await app.As("audrey").GetAsync("/api/v1/events?stream=model-bounded")).JsonAsync()).GetProperty("items");
        var createdAt = all[0].GetProperty("recordedAt").GetString()!;

        var upToCreation = await (await app.As("audrey").GetAsync($"/api/v1/events?stream=model-bounded&to={Uri.EscapeDataString(createdAt)}")).JsonAsync();
        var beforeAnything = await (await app.As("audrey").GetAsync("/api/v1/events?stream=model-bounded&to=2000-01-01T00:00:00Z")).JsonAsync();

        Assert.Equal(2, all.GetArrayLength());
        Assert.Equal(["ModelCreated"], upToCreation.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(1, upToCreation.GetProperty("total").GetInt32());
        Assert.Equal(0, beforeAnything.GetProperty("items").GetArrayLength());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Theory]
    [InlineData("/api/v1/events?limit=0", "limit")]
    [InlineData("/api/v1/events?limit=5000", "limit")]
    [InlineData("/api/v1/events?after=-1", "after")]
    [InlineData("/api/v1/events?from=tuesday", "from")]
    [InlineData("/api/v1/events?to=later", "to")]
    [InlineData("/api/v1/events?after=x", "after")]
    public async Task Bad_log_queries_are_400_naming_the_parameter(string url, string field)
    {
        await (await app.As("audrey").GetAsync(url)).ProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task The_log_needs_authentication()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous().GetAsync("/api/v1/events")).StatusCode);
    }
}
