using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Registry.Web.Features.Audit;

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

    [Fact]
    public async Task Each_page_is_byte_for_byte_what_the_serializer_writes_for_the_stored_envelopes()
    {
        // Characters the response's encoder escapes (HTML-sensitive, non-ASCII, quotes, backslashes,
        // controls) and numbers canonical JSON writes its own way, beside events with none of them.
        const string Awkward = "Präzision <b>&amp;</b> 'quoted' \"double\" back\\slash + `tick` 😀";
        var created = await app.As("dana").PostAsJsonAsync("/api/v1/models", new { name = "verbatim", riskTier = "low", description = Awkward, owner = "team-a" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await app.RegisterAsync("verbatim");
        var body = RegistryApiFixture.VersionBody(notes: Awkward + "\n\ttabbed line\r\n");
        body["parameters"] = JsonNode.Parse("""{"big": 1e21, "small": 0.000001, "negative": -0.5, "large": 12345678901234, "mixed": "a+b"}""");
        body["metrics"] = JsonNode.Parse("""{"auc": 0.8125, "loss": 1.5e-7}""");
        Assert.Equal(HttpStatusCode.Created, (await app.As("dana").PostAsJsonAsync("/api/v1/models/verbatim/versions", body)).StatusCode);

        var serializer = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var stored = new List<EventView>();
        await using (var command = app.DataSource.CreateCommand("SELECT envelope, leaf_hash, chain_hash FROM registry.events WHERE stream = 'model-verbatim' ORDER BY position"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(EventsApi.View(reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        var whole = await app.As("audrey").GetByteArrayAsync("/api/v1/events?stream=model-verbatim");
        var firstTwo = await app.As("audrey").GetByteArrayAsync("/api/v1/events?stream=model-verbatim&limit=2");

        Assert.Equal(3, stored.Count);
        Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new EventPage(stored, 3, null), serializer)), Encoding.UTF8.GetString(whole));
        Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new EventPage(stored[..2], 3, stored[1].Position), serializer)), Encoding.UTF8.GetString(firstTwo));
    }

    [Fact]
    public async Task A_page_by_number_without_filters_is_that_range_of_positions_and_its_total_is_the_whole_log()
    {
        await app.CreateModelAsync("numbered");
        await app.RegisterAsync("numbered");
        var head = await app.EventCountAsync();

        var page = await (await app.As("audrey").GetAsync("/api/v1/events?page=2&pageSize=2")).JsonAsync();
        var last = await (await app.As("audrey").GetAsync($"/api/v1/events?page={head}&pageSize=1")).JsonAsync();

        Assert.Equal([3L, 4L], page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("position").GetInt64()));
        Assert.Equal(head, page.GetProperty("total").GetInt64());
        Assert.Equal(head, last.GetProperty("total").GetInt64());
        Assert.Equal(4, page.GetProperty("next").GetInt64());
        Assert.Equal(head, last.GetProperty("items")[0].GetProperty("position").GetInt64());
        Assert.Equal(JsonValueKindNull, last.GetProperty("next").ValueKind);
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
