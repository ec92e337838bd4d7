using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Registry.Testing;
using Registry.Web.Features.Webhooks;

namespace Registry.Web.Tests.Features;

public sealed class WebhookFixture : RegistryApiFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Registry:Webhooks:PollInterval", "00:00:00.100");
        builder.UseSetting("Registry:Webhooks:RetryBaseDelay", "00:00:00.050");
        builder.UseSetting("Registry:Webhooks:MaxAttempts", "3");
    }
}

public sealed class WebhooksApiTests(WebhookFixture app) : IClassFixture<WebhookFixture>, IAsyncLifetime
{
    private const string Secret = "a-shared-secret-of-enough-length";
    private readonly ConcurrentQueue<(string Type, string Signature, byte[] Body)> _received = new();
    private int _failuresToSimulate;
    private WebApplication? _receiver;
    private string _url = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            if (Interlocked.Decrement(ref _failuresToSimulate) >= 0)
            {
                return Results.StatusCode(503);
            }

            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            _received.Enqueue((request.Headers["X-Registry-Event"].ToString(), request.Headers["X-Registry-Signature-256"].ToString(), body.ToArray()));
            return Results.Ok();
        });
        await _receiver.StartAsync();
        _url = _receiver.Urls.First() + "/hook";
    }

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribed_events_are_delivered_signed_with_hmac_sha256_and_retried_after_failures()
    {
        _failuresToSimulate = 1;
        var created = await app.As("admin").PostAsJsonAsync("/api/v1/webhooks", new { url = _url, eventTypes = new[] { "ModelCreated" }, secret = Secret });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetString();

        await app.CreateModelAsync("hooked");
        await app.RegisterAsync("hooked");
        var delivery = await WaitForAsync(() => _received.FirstOrDefault(r => Encoding.UTF8.GetString(r.Body).Contains("\"hooked\"", StringComparison.Ordinal)));

        Assert.Equal("ModelCreated", delivery.Type);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), delivery.Body));
        Assert.Equal(expected, delivery.Signature);
        Assert.DoesNotContain(_received, r => r.Type == "VersionRegistered");

        // The dispatcher records an attempt once the receiver has answered, so the second attempt's
        // record may follow the delivery by a moment.
        List<(int, bool)> attempts = [];
        for (var i = 0; i < 200 && attempts.Count < 2; i++)
        {
            var log = await (await app.As("admin").GetAsync($"/api/v1/webhooks/{id}/deliveries")).JsonAsync();
            attempts = [.. log.GetProperty("items").EnumerateArray().Select(d => (d.GetProperty("attempt").GetInt32(), d.GetProperty("succeeded").GetBoolean())).Order()];
            await Task.Delay(attempts.Count < 2 ? 50 : 0);
        }

        Assert.Equal([(1, false), (2, true)], attempts);
    }

    [Fact]
    public async Task Only_an_admin_manages_webhooks_and_bad_registrations_name_the_field()
    {
        var before = await app.EventCountAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("dana").PostAsJsonAsync("/api/v1/webhooks", new { url = _url, eventTypes = new[] { "*" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("audrey").GetAsync("/api/v1/webhooks")).StatusCode);
        await (await app.As("admin").PostAsJsonAsync("/api/v1/webhooks", new { url = "ftp://x/y", eventTypes = new[] { "*" } })).ProblemAsync(HttpStatusCode.BadRequest, "url");
        await (await app.As("admin").PostAsJsonAsync("/api/v1/webhooks", new { url = _url, eventTypes = Array.Empty<string>() })).ProblemAsync(HttpStatusCode.BadRequest, "eventTypes");
        await (await app.As("admin").PostAsJsonAsync("/api/v1/webhooks", new { url = _url, eventTypes = new[] { "drop table" } })).ProblemAsync(HttpStatusCode.BadRequest, "eventTypes[0]");
        await (await app.As("admin").PostAsJsonAsync("/api/v1/webhooks", new { url = _url, eventTypes = new[] { "*" }, secret = "short" })).ProblemAsync(HttpStatusCode.BadRequest, "secret");
        await (await app.As("admin").DeleteAsync($"/api/v1/webhooks/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task A_removed_webhook_is_listed_inactive_and_receives_nothing_more()
    {
        var created = await (await app.As("admin").PostAsJsonAsync("/api/v1/webhooks", new { url = _url, eventTypes = new[] { "*" } })).JsonAsync();
        var id = created.GetProperty("id").GetString();
        Assert.Equal(64, created.GetProperty("secret").GetString()!.Length);

        Assert.Equal(HttpStatusCode.NoContent, (await app.As("admin").DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode);
        var list = await (await app.As("admin").GetAsync("/api/v1/webhooks")).JsonAsync();

        Assert.False(list.GetProperty("items").EnumerateArray().Single(w => w.GetProperty("id").GetString() == id).GetProperty("active").GetBoolean());
        Assert.DoesNotContain("secret", list.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void While_the_database_is_unreachable_delivery_passes_back_off_to_at_most_thirty_seconds()
    {
        var poll = TimeSpan.FromSeconds(1);

        Assert.Equal(poll, WebhookSender.PauseAfter(0, poll));
        Assert.Equal(TimeSpan.FromSeconds(2), WebhookSender.PauseAfter(1, poll));
        Assert.Equal(TimeSpan.FromSeconds(16), WebhookSender.PauseAfter(4, poll));
        Assert.Equal(WebhookSender.MaxOutageDelay, WebhookSender.PauseAfter(5, poll));
        Assert.Equal(WebhookSender.MaxOutageDelay, WebhookSender.PauseAfter(1_000, poll));
    }

    [Fact]
    public async Task A_webhooks_generated_secret_is_stored_only_with_the_webhook_and_a_retry_cannot_show_it_again()
    {
        var first = await RegisterWithKeyAsync("webhook-secret-key");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var secret = (await first.JsonAsync()).GetProperty("secret").GetString()!;

        var retry = await RegisterWithKeyAsync("webhook-secret-key");

        // The signing key must stay with the webhook; nowhere else, not in the Idempotency-Key table either.
        Assert.Equal(["registry.webhooks"], await StoredSecrets.TablesContainingAsync(app.DataSource, secret));
        var problem = await retry.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("shown once", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var count = app.DataSource.CreateCommand("SELECT count(*) FROM registry.webhooks WHERE url = $1");
        count.Parameters.Add(new Npgsql.NpgsqlParameter { Value = _url + "?retry" });
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    private async Task<HttpResponseMessage> RegisterWithKeyAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/webhooks", UriKind.Relative))
        {
            Content = JsonContent.Create(new { url = _url + "?retry", eventTypes = new[] { "ModelCreated" } }),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await app.As("admin").SendAsync(request);
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
    {
        for (var i = 0; i < 200; i++)
        {
            if (probe() is { } found && !EqualityComparer<T>.Default.Equals(found, default))
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("nothing was delivered within 10 s");
    }
}
