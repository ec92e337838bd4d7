using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Testing;
using Registry.Web.Hosting;

namespace Registry.Web.Tests.Hosting;

public sealed partial class HostTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Health_ready_answers_200_when_the_database_is_migrated()
    {
        using var client = app.CreateClient();

        var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task An_unknown_api_path_is_a_problem_document_and_an_unknown_page_is_a_helpful_page()
    {
        using var client = app.CreateClient();

        var api = await client.GetAsync(new Uri("/api/v1/no-such-thing", UriKind.Relative));
        var page = await client.GetAsync(new Uri("/no-such-page", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("This page does not exist", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_s_connections_run_as_the_application_role_even_after_the_pool_resets_them()
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        using var client = app.CreateAdminClient();
        Assert.True((await client.GetAsync(new Uri("/api/v1/events", UriKind.Relative))).IsSuccessStatusCode);

        var users = new List<(string Current, string Session)>();
        for (var i = 0; i < 3; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("SELECT current_user::text, session_user::text", connection);
            await using (var reader = await command.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                users.Add((reader.GetString(0), reader.GetString(1)));
            }

            // What a pooled connection goes through between uses.
            await using var reset = new NpgsqlCommand("RESET ALL", connection);
            await reset.ExecuteNonQueryAsync();
        }

        Assert.Equal("registry_app", app.Services.GetRequiredService<RegistryDatabaseState>().ApplicationRole);
        Assert.All(users, u => Assert.Equal("registry_app", u.Current));
        Assert.All(users, u => Assert.NotEqual("registry_app", u.Session));
        await using var rewrite = dataSource.CreateCommand("UPDATE registry.events SET actor = 'mallory'");
        Assert.Equal("permission denied for table events", (await Assert.ThrowsAsync<PostgresException>(() => rewrite.ExecuteNonQueryAsync())).MessageText);
    }

    [Fact]
    public async Task The_application_role_is_not_used_when_it_is_turned_off_or_does_not_exist()
    {
        var off = await RegistryDatabaseHosting.ApplicationRoleAsync(app.DataSource, "");
        var missing = await RegistryDatabaseHosting.ApplicationRoleAsync(app.DataSource, "no_such_role");
        var present = await RegistryDatabaseHosting.ApplicationRoleAsync(app.DataSource, "registry_app");

        Assert.Null(off.Role);
        Assert.Equal("Registry:Database:ApplicationRole is empty", off.NotUsedBecause);
        Assert.Null(missing.Role);
        Assert.Contains("the role no_such_role does not exist", missing.NotUsedBecause, StringComparison.Ordinal);
        Assert.Equal("registry_app", present.Role);
        Assert.Null(present.NotUsedBecause);
        await Assert.ThrowsAsync<InvalidOperationException>(() => RegistryDatabaseHosting.ApplicationRoleAsync(app.DataSource, "app; DROP TABLE x"));
    }

    [Fact]
    public async Task SIGTERM_stops_the_host_and_its_embedded_cluster()
    {
        var data = Path.Combine(Path.GetTempPath(), $"registry-host-{Guid.NewGuid():N}");
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Registry.Web.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["Registry__DataDirectory"] = data;
        info.Environment["Registry__Demo"] = "false";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment.Remove("ConnectionStrings__Registry");

        using var host = Process.Start(info)!;
        var postmasterPid = 0;
        var started = new TaskCompletionSource<int>();
        host.OutputDataReceived += (_, e) =>
        {
            var match = e.Data is null ? null : StartedLine().Match(e.Data);
            if (match is { Success: true })
            {
                started.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            postmasterPid = await started.Task.WaitAsync(TimeSpan.FromSeconds(90));
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitReadyAsync(client);

            Process.Start("kill", ["-TERM", host.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.False(Directory.Exists($"/proc/{postmasterPid}"), $"the embedded postgres (pid {postmasterPid}) outlived its host");
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }

            try { Directory.Delete(data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task WaitReadyAsync(HttpClient client)
    {
        for (var i = 0; i < 120; i++)
        {
            try
            {
                if ((await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("the host did not become ready within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Embedded PostgreSQL started: pid (\d+)")]
    private static partial Regex StartedLine();
}
