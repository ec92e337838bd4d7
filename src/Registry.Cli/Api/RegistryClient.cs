// The API client (CONTRACT section 2). A refusal by the server (4xx) becomes ApiRejectedException
// carrying the problem detail (exit 2); a server that cannot be reached or fails (network errors,
// timeouts, 5xx) is retried with exponential backoff, then becomes ApiUnavailableException (exit 3).
// Every write carries an Idempotency-Key that stays the same across its retries, so a retry after a
// lost response appends nothing twice.
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Registry.Cli.Api;

/// <summary>An RFC 9457 problem the server answered with.</summary>
public sealed record Problem(int Status, string? Title, string? Detail, string? Type, IReadOnlyDictionary<string, string[]>? Errors)
{
    public override string ToString()
    {
        var text = $"{Status} {Title ?? "rejected"}{(string.IsNullOrEmpty(Detail) ? "" : ": " + Detail)}";
        if (Errors is { Count: > 0 })
        {
            text += string.Concat(Errors.SelectMany(e => e.Value.Select(m => $"\n  {e.Key}: {m}")));
        }

        return text;
    }
}

/// <summary>The server refused the request (4xx); nothing was recorded.</summary>
public sealed class ApiRejectedException(Problem problem) : Exception(problem.ToString())
{
    public Problem Problem { get; } = problem;
}

/// <summary>The server could not be reached or kept failing after the retries.</summary>
public sealed class ApiUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class RegistryClient(HttpClient http, IReadOnlyList<TimeSpan> retryDelays)
{
    public const string UserAgent = "registry-cli/1.0";

    /// <summary>0.5 s, 1 s, 2 s, 4 s: about 8 seconds of patience for a restarting server.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays = [TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    public Uri BaseUrl => http.BaseAddress!;

    public static RegistryClient Create(RegistryConnection connection, HttpMessageHandler? handler, IReadOnlyList<TimeSpan> retryDelays)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = connection.BaseUrl;
        http.Timeout = TimeSpan.FromMinutes(10);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
        http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        return new RegistryClient(http, retryDelays);
    }

    /// <summary>The portal page of a version: <c>/models/{name}/versions/{v}</c>.</summary>
    public Uri PortalUrl(string model, int version) => new(BaseUrl, $"models/{Uri.EscapeDataString(model)}/versions/{version}");

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendJsonAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken) =>
        SendJsonAsync(HttpMethod.Post, path, body, cancellationToken);

    /// <summary>
    /// Streams a response body (zip, PDF) into a file and returns its size. A body cut off half way
    /// is retried like a failed request; the destination only ever holds a complete download.
    /// </summary>
    public async Task<long> DownloadAsync(string path, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        var temporary = destination + ".part";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Api(path)), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                await using (var file = File.Create(temporary))
                {
                    await response.Content.CopyToAsync(file, cancellationToken);
                }

                File.Move(temporary, destination, overwrite: true);
                return new FileInfo(destination).Length;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                File.Delete(temporary);
                if (attempt >= retryDelays.Count)
                {
                    throw new ApiUnavailableException($"GET {new Uri(BaseUrl, Api(path))}: the download broke off ({e.Message}) (after {attempt + 1} attempts)", e);
                }

                await Task.Delay(retryDelays[attempt], cancellationToken);
            }
        }
    }

    private async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var idempotencyKey = Guid.NewGuid().ToString("N");
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(method, Api(path));
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body, body.GetType(), options: Json.Options);
                    request.Headers.Add("Idempotency-Key", idempotencyKey);
                }

                return request;
            },
            HttpCompletionOption.ResponseContentRead,
            cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new ApiUnavailableException($"{method} {Api(path)}: the server answered {(int)response.StatusCode} with a body that is not JSON; is {BaseUrl} a registry?");
        }
    }

    private static string Api(string path) => "api/v1/" + path.TrimStart('/');

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string failure;
            Exception? inner = null;
            using var message = request();
            try
            {
                var response = await http.SendAsync(message, completion, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }

                if ((int)response.StatusCode < 500)
                {
                    using (response)
                    {
                        throw new ApiRejectedException(await ReadProblemAsync(response, cancellationToken));
                    }
                }

                failure = $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
                inner = e;
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                failure = "the request timed out";
                inner = e;
            }

            if (attempt >= retryDelays.Count)
            {
                throw new ApiUnavailableException($"{message.Method} {new Uri(BaseUrl, message.RequestUri!)}: {failure} (after {attempt + 1} attempts)", inner);
            }

            await Task.Delay(retryDelays[attempt], cancellationToken);
        }
    }

    private static async Task<Problem> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            Dictionary<string, string[]>? errors = null;
            if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                errors = e.EnumerateObject().ToDictionary(
                    p => p.Name,
                    p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(m => m.ToString()).ToArray() : [p.Value.ToString()]);
            }

            return new Problem(status, Str(root, "title") ?? response.ReasonPhrase, Str(root, "detail"), Str(root, "type"), errors);
        }
        catch (JsonException)
        {
            var detail = status switch
            {
                (int)HttpStatusCode.Unauthorized => "the token was not accepted; run `registry login` again or check REGISTRY_TOKEN",
                (int)HttpStatusCode.Forbidden => "your role may not do this",
                (int)HttpStatusCode.NotFound => "not found",
                _ => text.Length > 300 ? text[..300] : text,
            };
            return new Problem(status, response.ReasonPhrase, detail, null, null);
        }
    }

    private static string? Str(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
