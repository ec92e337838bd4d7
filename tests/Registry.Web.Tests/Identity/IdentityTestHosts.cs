// Hosts and helpers for the identity tests: a host whose peer address a test can choose (for the
// trusted-proxy rules), configurable sign-in limits, and a browser-like portal session that
// carries cookies and antiforgery tokens through the real forms.
using System.Collections.Concurrent;
using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Registry.Testing;

namespace Registry.Web.Tests.Identity;

/// <summary>The registry with extra settings; <c>X-Test-Peer</c> sets the TCP peer address as a real connection would.</summary>
public class IdentityApp : RegistryApp
{
    public const string PeerHeader = "X-Test-Peer";

    public ConcurrentQueue<string> Logs { get; } = new();

    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Registry:SignIn:AttemptsPerMinute"] = "1000",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IStartupFilter>(new PeerAddressFilter());
            services.AddSingleton<ILoggerProvider>(new QueueLoggerProvider(Logs));
        });
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = context.Request.Headers.TryGetValue(PeerHeader, out var peer)
                    ? IPAddress.Parse(peer.ToString())
                    : IPAddress.Parse("192.0.2.10");
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<string> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(logs);

        public void Dispose()
        {
        }

        private sealed class QueueLogger(ConcurrentQueue<string> logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Enqueue(formatter(state, exception));
        }
    }
}

/// <summary>A browser: keeps cookies, reads each form's antiforgery token and posts the form back as a browser would.</summary>
public sealed class PortalSession(HttpClient client) : IDisposable
{
    private static readonly HtmlParser Parser = new();

    public HttpClient Client { get; } = client;

    public static PortalSession Start(RegistryApp app) =>
        new(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

    /// <summary>GETs <paramref name="page"/>, fills the form named <paramref name="form"/> (its Blazor form name or its action) and submits it.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string page, string form, IReadOnlyDictionary<string, string> fields)
    {
        var html = await Client.GetStringAsync(new Uri(page, UriKind.Relative));
        var document = Parser.ParseDocument(html);
        var element = document.QuerySelectorAll("form").FirstOrDefault(f => f.QuerySelector($"input[name=_handler][value='{form}']") is not null || f.GetAttribute("action") == form)
            ?? throw new InvalidOperationException($"{page} has no form {form}.");
        var values = element.QuerySelectorAll("input[type=hidden]")
            .Where(i => i.GetAttribute("name") is not null)
            .ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
        foreach (var (name, value) in fields)
        {
            values[name] = value;
        }

        var target = element.GetAttribute("action") is { Length: > 0 } action ? action : page;
        return await Client.PostAsync(new Uri(target, UriKind.Relative), new FormUrlEncodedContent(values));
    }

    public Task<HttpResponseMessage> SignInAsync(string username, string password) =>
        SubmitAsync("/account/sign-in", "signin", new Dictionary<string, string> { ["Form.Username"] = username, ["Form.Password"] = password });

    public void Dispose() => Client.Dispose();
}
