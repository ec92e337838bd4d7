// Delivers events to webhooks by reading the log's feed after each webhook's cursor, so an append
// never waits for a receiver. Each delivery is signed (X-Registry-Signature-256: sha256=HMAC of the
// body with the webhook's secret), retried with exponential backoff, and every attempt is logged in
// registry.webhook_deliveries. After the last attempt the event is given up on (and logged as such).
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Registry.EventStore;
using Registry.Web.Features.Audit;

namespace Registry.Web.Features.Webhooks;

public sealed class WebhookOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public int MaxAttempts { get; set; } = 5;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class WebhookSender(
    NpgsqlDataSource db,
    EventStore.EventStore store,
    IHttpClientFactory clients,
    WebhookOptions options,
    ILogger<WebhookSender> logger) : BackgroundService
{
    public const string ClientName = "webhooks";
    public const string SignatureHeader = "X-Registry-Signature-256";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The longest pause between delivery passes while the database is unreachable.</summary>
    public static readonly TimeSpan MaxOutageDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // While the database is down, passes back off (poll interval doubling up to MaxOutageDelay) and
        // the outage is logged once when it starts and once when it ends, not once per pass.
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delivered = 0;
            try
            {
                var hooks = await ActiveAsync(stoppingToken);
                var counts = await Task.WhenAll(hooks.Select(h => DeliverPendingAsync(h, stoppingToken)));
                delivered = counts.Sum();
                if (failures > 0)
                {
                    logger.LogInformation("Webhook deliveries resumed after {Failures} failed passes", failures);
                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                if (failures++ == 0)
                {
                    logger.LogWarning(e, "Webhook delivery pass failed; retrying with backoff until the database answers");
                }
            }

            if (delivered == 0)
            {
                try
                {
                    await Task.Delay(PauseAfter(failures, options.PollInterval), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The pause before the next pass: the poll interval, doubled for each consecutive failed pass, at most <see cref="MaxOutageDelay"/>.</summary>
    public static TimeSpan PauseAfter(int consecutiveFailures, TimeSpan pollInterval)
    {
        var doubled = pollInterval.TotalMilliseconds * Math.Pow(2, Math.Min(consecutiveFailures, 16));
        return TimeSpan.FromMilliseconds(Math.Max(pollInterval.TotalMilliseconds, Math.Min(doubled, MaxOutageDelay.TotalMilliseconds)));
    }

    private sealed record Hook(Guid Id, string Url, string Secret, string[] EventTypes, long Cursor);

    private async Task<List<Hook>> ActiveAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT id, url, secret, event_types, cursor FROM registry.webhooks WHERE active");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var hooks = new List<Hook>();
        while (await reader.ReadAsync(cancellationToken))
        {
            hooks.Add(new Hook(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetInt64(4)));
        }

        return hooks;
    }

    /// <summary>Delivers the events after the hook's cursor (one page); returns how many it went through.</summary>
    private async Task<int> DeliverPendingAsync(Hook hook, CancellationToken cancellationToken)
    {
        var events = await store.ReadAllAsync(hook.Cursor, 100, cancellationToken);
        foreach (var e in events)
        {
            if (hook.EventTypes.Contains("*") || hook.EventTypes.Contains(e.Type))
            {
                await DeliverAsync(hook, e, cancellationToken);
            }

            await using var advance = db.CreateCommand("UPDATE registry.webhooks SET cursor = $2 WHERE id = $1 AND cursor < $2");
            advance.Parameters.Add(new NpgsqlParameter { Value = hook.Id });
            advance.Parameters.Add(new NpgsqlParameter { Value = e.Position });
            await advance.ExecuteNonQueryAsync(cancellationToken);
        }

        return events.Count;
    }

    private async Task DeliverAsync(Hook hook, StoredEvent e, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(EventsApi.View(e.Envelope, e.LeafHash, e.ChainHash), Json);
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hook.Secret), body));
        var client = clients.CreateClient(ClientName);
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            int? status = null;
            string? error = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.Add(SignatureHeader, signature);
                request.Headers.Add("X-Registry-Event", e.Type);
                request.Headers.Add("X-Registry-Delivery", $"{hook.Id}:{e.Position}");
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Timeout);
                using var response = await client.SendAsync(request, timeout.Token);
                status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    error = $"HTTP {status}";
                }
            }
            catch (HttpRequestException x)
            {
                error = x.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"no answer within {options.Timeout.TotalSeconds:0.#} s";
            }

            await LogAsync(hook, e, attempt, status, error, cancellationToken);
            if (error is null)
            {
                return;
            }

            if (attempt < options.MaxAttempts)
            {
                await Task.Delay(options.RetryBaseDelay * Math.Pow(2, attempt - 1), cancellationToken);
            }
        }

        logger.LogWarning("Webhook {Webhook} gave up on event {Position} after {Attempts} attempts", hook.Id, e.Position, options.MaxAttempts);
    }

    private async Task LogAsync(Hook hook, StoredEvent e, int attempt, int? status, string? error, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO registry.webhook_deliveries (webhook_id, position, event_type, attempt, status_code, error, succeeded)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = hook.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = e.Position });
        command.Parameters.Add(new NpgsqlParameter { Value = e.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = attempt });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = error is null });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
