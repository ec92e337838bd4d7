// Bodies of API requests: at most 1 MB (413 beyond), buffered so the idempotency check can hash
// them; and body binding failures (malformed JSON, wrong types, wrong content type) answered as
// problem details that name the JSON path at fault.
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace Registry.Web.Features.Shared;

public sealed class RequestBodyLimit(RequestDelegate next, IProblemDetailsService problems)
{
    public const int MaxBytes = 1024 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api") || context.Request.ContentLength == 0 || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        if (context.Request.ContentLength > MaxBytes)
        {
            await TooLargeAsync(context);
            return;
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                await TooLargeAsync(context);
                return;
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        context.Request.Body = buffer;
        context.Request.ContentLength = buffer.Length;
        await next(context);
    }

    private async Task TooLargeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Request body too large",
                Detail = $"The request body is larger than {MaxBytes} bytes (1 MB). Nothing was changed.",
            },
        });
    }
}

/// <summary>Turns binding failures (BadHttpRequestException) into problem details naming the field.</summary>
public sealed partial class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    // "Failed to bind parameter "int? page" from "abc"." / "Required parameter "string q" was not provided…"
    [GeneratedRegex("parameter \"(?:[^\"]* )?([A-Za-z0-9_]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || context.Response.HasStarted)
        {
            return false;
        }

        var field = "body";
        var detail = bad.Message;
        if (ParameterName().Match(bad.Message) is { Success: true } parameter)
        {
            field = parameter.Groups[1].Value;
        }

        if (FindJsonException(bad) is { } json)
        {
            field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path;
            detail = $"The request body is not valid here at {field}: {FirstSentence(json.Message)}";
        }

        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = null,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "Unsupported media type" : "Invalid request",
                Detail = detail,
                Extensions =
                {
                    ["field"] = field,
                    ["errors"] = new Dictionary<string, string[]> { [field] = [detail] },
                },
            },
        });
    }

    private static JsonException? FindJsonException(Exception e)
    {
        for (var current = e.InnerException; current is not null; current = current.InnerException)
        {
            if (current is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
