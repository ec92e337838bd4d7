// `Server-Timing: app;dur=<ms>` on every response: the time the host spent on the request, from
// the first middleware to the last byte of the response headers. Lets operators (and `make bench`)
// tell server time from network and client time.
using System.Diagnostics;
using System.Globalization;

namespace Registry.Web.Features.Shared;

public sealed class ServerTimingStartupFilter : IStartupFilter
{
    public const string Header = "Server-Timing";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            var started = Stopwatch.GetTimestamp();
            context.Response.OnStarting(() =>
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                context.Response.Headers[Header] = "app;dur=" + elapsed.ToString("0.###", CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });

            return nextMiddleware(context);
        });
        next(app);
    };
}
