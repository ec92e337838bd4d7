using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Registry.Web.Tests.Features;

public sealed class RequestHandlingTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task A_retry_with_the_same_idempotency_key_returns_the_first_response_and_appends_nothing()
    {
        await app.CreateModelAsync("idempotent");
        var body = RegistryApiFixture.VersionBody().ToJsonString();

        var first = await app.As("dana").PostRawAsync("/api/v1/models/idempotent/versions", body, idempotencyKey: "register-1");
        var count = await app.EventCountAsync();
        var retry = await app.As("dana").PostRawAsync("/api/v1/models/idempotent/versions", body, idempotencyKey: "register-1");

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(count, await app.EventCountAsync());
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task The_same_key_for_a_different_request_is_422_and_keys_belong_to_their_caller()
    {
        await app.CreateModelAsync("idem-other");
        await app.As("dana").PostRawAsync("/api/v1/models/idem-other/versions", RegistryApiFixture.VersionBody().ToJsonString(), idempotencyKey: "k-2");

        var different = await app.As("dana").PostRawAsync("/api/v1/models/idem-other/versions", RegistryApiFixture.VersionBody(notes: "other").ToJsonString(), idempotencyKey: "k-2");
        var otherCaller = await app.As("dave").PostRawAsync("/api/v1/models/idem-other/versions", RegistryApiFixture.VersionBody().ToJsonString(), idempotencyKey: "k-2");

        await different.ProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(2, (await otherCaller.JsonAsync()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_failed_request_does_not_consume_its_idempotency_key()
    {
        var failed = await app.As("dana").PostRawAsync("/api/v1/models", """{"name":"Bad Name","riskTier":"low"}""", idempotencyKey: "k-3");
        var fixedUp = await app.As("dana").PostRawAsync("/api/v1/models", """{"name":"good-name","riskTier":"low"}""", idempotencyKey: "k-3");

        Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fixedUp.StatusCode);
    }

    [Fact]
    public async Task A_body_over_one_megabyte_is_413_and_appends_nothing()
    {
        await app.CreateModelAsync("big-body");
        var before = await app.EventCountAsync();
        var body = RegistryApiFixture.VersionBody(notes: new string('x', 1024 * 1024)).ToJsonString();

        var response = await app.As("dana").PostRawAsync("/api/v1/models/big-body/versions", body);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task A_chunked_body_over_one_megabyte_is_413_too()
    {
        await app.CreateModelAsync("big-chunked");
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(RegistryApiFixture.VersionBody(notes: new string('y', 1100 * 1024)).ToJsonString())));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models/big-chunked/versions") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await app.As("dana").SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_and_wrong_content_types_are_problems_naming_what_is_wrong()
    {
        var before = await app.EventCountAsync();

        await (await app.As("dana").PostRawAsync("/api/v1/models", "{\"name\":")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await app.As("dana").PostRawAsync("/api/v1/models", """{"name":"x","riskTier":"low","tags":[1]}""")).ProblemAsync(HttpStatusCode.BadRequest, "tags");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await app.As("dana").PostRawAsync("/api/v1/models", "name=x", "application/x-www-form-urlencoded")).StatusCode);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Every_write_records_the_correlation_id_and_client_it_was_given()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/models") { Content = JsonContent.Create(new { name = "correlated", riskTier = "low" }) };
        request.Headers.Add("X-Correlation-Id", "ticket-4711");
        request.Headers.UserAgent.ParseAdd("registry-cli/1.0");
        Assert.Equal(HttpStatusCode.Created, (await app.As("dana").SendAsync(request)).StatusCode);

        var events = await (await app.As("audrey").GetAsync("/api/v1/events?stream=model-correlated")).JsonAsync();
        var metadata = events.GetProperty("items")[0].GetProperty("metadata");

        Assert.Equal("ticket-4711", metadata.GetProperty("correlationId").GetString());
        Assert.Equal("registry-cli/1.0", metadata.GetProperty("client").GetString());
    }
}
