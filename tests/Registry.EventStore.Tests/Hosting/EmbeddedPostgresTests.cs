using System.Net;
using System.Net.Sockets;
using Npgsql;
using Registry.EventStore.Hosting;

namespace Registry.EventStore.Tests.Hosting;

public sealed class EmbeddedPostgresTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"registry-embedded-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private EmbeddedPostgresOptions Options(int port = 0) => new() { DataDirectory = _folder, Port = port, Settings = new Dictionary<string, string> { ["fsync"] = "off" } };

    private static async Task<int> SelectOneAsync(EmbeddedPostgres cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_cluster_killed_without_cleanup_starts_again_on_the_same_data()
    {
        var first = await EmbeddedPostgres.StartAsync(Options());
        await using (var connection = new NpgsqlConnection(first.ConnectionString + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE kept (a int); INSERT INTO kept VALUES (42);", connection);
            await create.ExecuteNonQueryAsync();
        }

        first.Crash();
        Assert.True(File.Exists(Path.Combine(_folder, "postmaster.pid")), "a crash leaves the pid file behind");

        await using var second = await EmbeddedPostgres.StartAsync(Options());
        await using var again = new NpgsqlConnection(second.ConnectionString + ";Pooling=false");
        await again.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT a FROM kept", again);
        Assert.Equal(42, (int)(await read.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_pid_file_naming_a_process_that_is_gone_is_recovered()
    {
        var cluster = await EmbeddedPostgres.StartAsync(Options());
        await cluster.StopAsync();
        // A pid that no running process has: what a reboot or a crash leaves.
        await File.WriteAllTextAsync(Path.Combine(_folder, "postmaster.pid"), "999999\n" + _folder + "\n");

        await using var restarted = await EmbeddedPostgres.StartAsync(Options());

        Assert.Equal(1, await SelectOneAsync(restarted));
    }

    [Fact]
    public async Task Stopping_ends_the_server_process()
    {
        var cluster = await EmbeddedPostgres.StartAsync(Options());
        var pid = cluster.ProcessId!.Value;

        await cluster.StopAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"), $"postgres (pid {pid}) still runs after stop");
    }

    [Fact]
    public async Task A_taken_port_is_refused_with_a_clear_message()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(Options(port)));

        Assert.Contains($"Port {port} on 127.0.0.1 is taken", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_server_binaries_are_reported_with_the_install_command()
    {
        var options = new EmbeddedPostgresOptions { DataDirectory = _folder, BinDirectory = "/nonexistent/bin" };

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(options));

        Assert.Contains("No PostgreSQL server binaries in '/nonexistent/bin'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_binaries_missing_from_the_machine_are_reported_with_the_apt_get_command()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "no-postgresql-here")).FullName;

        var error = Assert.Throws<EmbeddedPostgresException>(() => EmbeddedPostgres.FindBinDirectory(null, empty));

        Assert.Contains($"looked in {empty}/*/bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Registry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_whose_server_another_running_host_started_is_refused_and_that_server_keeps_running()
    {
        await using var first = await EmbeddedPostgres.StartAsync(Options());

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(Options()));

        Assert.Contains($"is in use by a PostgreSQL server (pid {first.ProcessId})", error.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await SelectOneAsync(first));
    }

    [Fact]
    public async Task A_server_orphaned_by_a_killed_host_is_stopped_and_the_folder_started_again()
    {
        var cluster = await EmbeddedPostgres.StartAsync(Options());
        await cluster.StopAsync();
        var port = FreePort();
        var bin = EmbeddedPostgres.FindBinDirectory();
        // A shell starts the server in the background and exits at once: the server's parent is gone,
        // as when a host is killed with SIGKILL, and init (or a subreaper) adopts it.
        var asService = Environment.UserName == "root" ? "setpriv --reuid=postgres --regid=postgres --init-groups -- " : "";
        using (var shell = System.Diagnostics.Process.Start("sh", ["-c",
            $"{asService}{bin}/postgres -D {_folder} -p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= >/dev/null 2>&1 &"]))
        {
            await shell.WaitForExitAsync();
        }

        var orphan = await WaitForPostmasterAsync();
        Assert.NotEqual(Environment.ProcessId, ParentOf(orphan));

        await using var restarted = await EmbeddedPostgres.StartAsync(Options());

        Assert.False(Directory.Exists($"/proc/{orphan}") && !File.ReadAllText($"/proc/{orphan}/stat").Contains(") Z ", StringComparison.Ordinal), "the orphan still runs");
        Assert.NotEqual(orphan, restarted.ProcessId);
        Assert.Equal(1, await SelectOneAsync(restarted));
    }

    private async Task<int> WaitForPostmasterAsync()
    {
        var pidFile = Path.Combine(_folder, "postmaster.pid");
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(pidFile) && (await File.ReadAllLinesAsync(pidFile)) is [var first, ..] && int.TryParse(first, out var pid))
            {
                return pid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the orphan postmaster never wrote its pid file");
    }

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_data_folder_owned_by_another_user_is_refused_naming_the_owner()
    {
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, "PG_VERSION"), "15\n");
        var owner = Environment.UserName == "root" ? "root" : "nobody";
        if (owner == "nobody")
        {
            // Without root we cannot hand a folder to someone else; the root branch is what CI runs.
            return;
        }

        var error = await Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(Options()));

        Assert.Contains("belongs to 'root'", error.Message, StringComparison.Ordinal);
        Assert.Contains("chown -R postgres", error.Message, StringComparison.Ordinal);
    }
}
