// The whole host on a real Kestrel port and the system Chromium driving it, one of each per test
// class. Playwright never downloads a browser here: it launches /usr/bin/chromium (Debian's
// package), and a machine without it fails the tests with the command that installs it.
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Registry.Testing.Browser;

public class PortalBrowser : RegistryApp
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

    /// <summary>
    /// How long a navigation or an action may take. Generous: two cores are shared by the whole suite
    /// (several test assemblies, their clusters and browsers at once), and a page that renders slowly is
    /// not a failure of these tests.
    /// </summary>
    public const int ActionTimeoutMs = 60_000;

    private readonly ConcurrentBag<IBrowserContext> _contexts = [];
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the browser reaches the host, e.g. <c>http://127.0.0.1:43121</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Browser journeys sign in several people within a minute, past the default sign-in rate limit.</summary>
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Registry:SignIn:AttemptsPerMinute", "1000");
    }

    public override async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Browser tests drive the system Chromium at {ChromiumPath}, which is missing. Install it with `apt-get install -y chromium` (or run `make test`, which does).");
        }

        await base.InitializeAsync();

        var port = FreePort();
        UseKestrel(port);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        BaseAddress = new Uri($"http://127.0.0.1:{port}");

        // HTTP clients of the tests (API seeding) go to the same real server as the browser.
        ClientOptions.BaseAddress = BaseAddress;
        if (addresses.Count == 0)
        {
            throw new InvalidOperationException("Kestrel started without an address");
        }

        Assertions.SetDefaultExpectTimeout(45_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A fresh browser context (its own cookies) at desktop size, addressing the host by relative URLs.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(ActionTimeoutMs);
        context.SetDefaultNavigationTimeout(ActionTimeoutMs);
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    /// <summary>Closes every page opened so far, so a test class's pages do not pile up in its one browser.</summary>
    public async Task ClosePagesAsync()
    {
        while (_contexts.TryTake(out var context))
        {
            await context.CloseAsync();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
