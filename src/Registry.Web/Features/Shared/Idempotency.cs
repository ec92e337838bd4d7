// Idempotency-Key on writes: the first successful response to (caller, key) is stored and replayed
// for every retry, which appends nothing. The key is reserved before the handler runs, so two
// concurrent retries cannot both append; a key reused for a different request is 422.
// A response that carries a secret shown once (a token, a webhook's HMAC secret) is never stored:
// the table would hold the plaintext. Only the key and the request's hash are kept, and a retry is
// told that the secret cannot be shown again.
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Extensions;
using Npgsql;

namespace Registry.Web.Features.Shared;

/// <summary>Endpoint metadata: the success response carries a secret shown once, so it must not be stored for replay.</summary>
public sealed class SecretShownOnce;

public static class SecretShownOnceExtensions
{
    /// <summary>Marks an endpoint whose success response holds a secret (see <see cref="SecretShownOnce"/>).</summary>
    public static TBuilder ShowsSecretOnce<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SecretShownOnce());
}

public sealed class Idempotency(RequestDelegate next, NpgsqlDataSource dataSource, IProblemDetailsService problems)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const string SecretNotReplayedDetail =
        "The request with this Idempotency-Key already succeeded. Its response held a secret, which is shown once and never stored, so a retry cannot show it again; nothing was changed. If the secret was lost, revoke what was created and create another with a new key.";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var key = request.Headers[Header].ToString();
        if (key.Length == 0 || !request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || context.User.Identity?.Name is not { Length: > 0 } actor)
        {
            await next(context);
            return;
        }

        if (key.Length > 200 || key.Any(c => c is < ' ' or > '~'))
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "Invalid Idempotency-Key", "Idempotency-Key must be 1 to 200 printable ASCII characters.", Header);
            return;
        }

        var hash = await HashAsync(request, context.RequestAborted);
        await using (var reserve = dataSource.CreateCommand("""
            INSERT INTO registry.idempotency_keys (actor, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (actor, key) DO NOTHING
            """))
        {
            reserve.Parameters.Add(new NpgsqlParameter { Value = actor });
            reserve.Parameters.Add(new NpgsqlParameter { Value = key });
            reserve.Parameters.Add(new NpgsqlParameter { Value = request.Method });
            reserve.Parameters.Add(new NpgsqlParameter { Value = request.Path.Value ?? "" });
            reserve.Parameters.Add(new NpgsqlParameter { Value = hash });
            if (await reserve.ExecuteNonQueryAsync(context.RequestAborted) == 0)
            {
                await ReplayAsync(context, actor, key, hash);
                return;
            }
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<SecretShownOnce>() is not null)
        {
            await RunWithoutStoringAsync(context, actor, key);
            return;
        }

        var original = context.Response.Body;
        using var captured = new MemoryStream();
        context.Response.Body = captured;
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            context.Response.Body = original;
            var status = context.Response.StatusCode;
            if (completed && status is >= 200 and < 300)
            {
                await using var store = dataSource.CreateCommand("""
                    UPDATE registry.idempotency_keys SET status_code = $3, content_type = $4, location = $5, etag = $6, body = $7
                    WHERE actor = $1 AND key = $2
                    """);
                store.Parameters.Add(new NpgsqlParameter { Value = actor });
                store.Parameters.Add(new NpgsqlParameter { Value = key });
                store.Parameters.Add(new NpgsqlParameter { Value = status });
                store.Parameters.Add(new NpgsqlParameter { Value = (object?)context.Response.ContentType ?? DBNull.Value });
                store.Parameters.Add(new NpgsqlParameter { Value = context.Response.Headers.Location.Count > 0 ? context.Response.Headers.Location.ToString() : DBNull.Value });
                store.Parameters.Add(new NpgsqlParameter { Value = context.Response.Headers.ETag.Count > 0 ? context.Response.Headers.ETag.ToString() : DBNull.Value });
                store.Parameters.Add(new NpgsqlParameter { Value = captured.ToArray() });
                await store.ExecuteNonQueryAsync(CancellationToken.None);
            }
            else
            {
                // Nothing was appended: free the key so a corrected request may use it.
                await ReleaseAsync(actor, key);
            }

            captured.Position = 0;
            await captured.CopyToAsync(original, CancellationToken.None);
        }
    }

    private async Task ReplayAsync(HttpContext context, string actor, string key, byte[] hash)
    {
        await using var read = dataSource.CreateCommand("SELECT request_hash, status_code, content_type, location, etag, body FROM registry.idempotency_keys WHERE actor = $1 AND key = $2");
        read.Parameters.Add(new NpgsqlParameter { Value = actor });
        read.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await read.ExecuteReaderAsync(context.RequestAborted);
        if (!await reader.ReadAsync(context.RequestAborted))
        {
            await ProblemAsync(context, StatusCodes.Status409Conflict, "Request in progress", "The first request with this Idempotency-Key has just finished without success; retry.", Header);
            return;
        }

        if (!reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(hash))
        {
            await ProblemAsync(context, StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused", "This Idempotency-Key was already used for a different request. Use a new key for a new request.", Header);
            return;
        }

        if (await reader.IsDBNullAsync(1, context.RequestAborted))
        {
            await ProblemAsync(context, StatusCodes.Status409Conflict, "Request in progress", "A request with this Idempotency-Key is still being processed; retry shortly.", Header);
            return;
        }

        if (await reader.IsDBNullAsync(5, context.RequestAborted))
        {
            await ProblemAsync(context, StatusCodes.Status409Conflict, "Secret shown once", SecretNotReplayedDetail, Header);
            return;
        }

        var response = context.Response;
        response.StatusCode = reader.GetInt32(1);
        response.Headers[ReplayedHeader] = "true";
        if (!await reader.IsDBNullAsync(2, context.RequestAborted))
        {
            response.ContentType = reader.GetString(2);
        }

        if (!await reader.IsDBNullAsync(3, context.RequestAborted))
        {
            response.Headers.Location = reader.GetString(3);
        }

        if (!await reader.IsDBNullAsync(4, context.RequestAborted))
        {
            response.Headers.ETag = reader.GetString(4);
        }

        var body = reader.GetFieldValue<byte[]>(5);
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>
    /// The handler writes straight to the client; on success only the status is kept (body NULL marks
    /// "succeeded, not replayable"), on failure the key is freed as for any other request.
    /// </summary>
    private async Task RunWithoutStoringAsync(HttpContext context, string actor, string key)
    {
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            if (completed && context.Response.StatusCode is >= 200 and < 300)
            {
                await using var store = dataSource.CreateCommand("UPDATE registry.idempotency_keys SET status_code = $3 WHERE actor = $1 AND key = $2");
                store.Parameters.Add(new NpgsqlParameter { Value = actor });
                store.Parameters.Add(new NpgsqlParameter { Value = key });
                store.Parameters.Add(new NpgsqlParameter { Value = context.Response.StatusCode });
                await store.ExecuteNonQueryAsync(CancellationToken.None);
            }
            else
            {
                await ReleaseAsync(actor, key);
            }
        }
    }

    private async Task ReleaseAsync(string actor, string key)
    {
        await using var release = dataSource.CreateCommand("DELETE FROM registry.idempotency_keys WHERE actor = $1 AND key = $2");
        release.Parameters.Add(new NpgsqlParameter { Value = actor });
        release.Parameters.Add(new NpgsqlParameter { Value = key });
        await release.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static async Task<byte[]> HashAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(request.Method + " " + request.GetEncodedPathAndQuery() + "\n"));
        if (request.Body.CanSeek)
        {
            request.Body.Position = 0;
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }

            request.Body.Position = 0;
        }

        return sha.GetHashAndReset();
    }

    private async Task ProblemAsync(HttpContext context, int status, string title, string detail, string field)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail, Extensions = { ["field"] = field } },
        });
    }
}
