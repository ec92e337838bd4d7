// Starts a private PostgreSQL cluster from the server binaries installed on the machine, so that
// `make run` and the test suite need no database set up by hand. One class, used by the web host
// (when no connection string is configured) and by the test fixture.
//
// As root, initdb and postgres refuse to run; the cluster then belongs to the `postgres` user and
// the server is started through `setpriv`, which execs in place, so the process we hold *is* the
// postmaster and a signal we send reaches it directly.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Npgsql;

namespace Registry.EventStore.Hosting;

public sealed class EmbeddedPostgresOptions
{
    /// <summary>The cluster's data folder; created (and initialised) when missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Folder of initdb/postgres; found under /usr/lib/postgresql/*/bin when null.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>The database created on first start and named in <see cref="EmbeddedPostgres.ConnectionString"/>.</summary>
    public string Database { get; init; } = "registry";

    /// <summary>Extra server settings (<c>-c name=value</c>), e.g. fsync=off for throwaway test clusters.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>A problem starting the embedded cluster, with a message that says what to do.</summary>
public sealed class EmbeddedPostgresException(string message) : Exception(message);

public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private const int SigInt = 2;
    private const int SigKill = 9;

    private readonly EmbeddedPostgresOptions _options;
    private Process? _server;

    private EmbeddedPostgres(EmbeddedPostgresOptions options) => _options = options;

    public int Port { get; private set; }
    public string DataDirectory => _options.DataDirectory;

    /// <summary>The postmaster's process id while running.</summary>
    public int? ProcessId => _server is { HasExited: false } ? _server.Id : null;

    public string ConnectionString => ConnectionStringFor(_options.Database);

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = ServiceUser,
        Database = database,
        Pooling = true,
        MaxPoolSize = 50,
    }.ConnectionString;

    /// <summary>Initialises the cluster if needed, recovers a stale pid file, starts it and waits until it accepts connections.</summary>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, CancellationToken cancellationToken = default)
    {
        var cluster = new EmbeddedPostgres(options);
        await cluster.StartCoreAsync(cancellationToken);
        return cluster;
    }

    private static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    public static string FindBinDirectory(string? configured = null) => FindBinDirectory(configured, "/usr/lib/postgresql");

    /// <summary>The server binaries: the configured folder, else the newest <c>&lt;installRoot&gt;/NN/bin</c> (Debian's layout).</summary>
    public static string FindBinDirectory(string? configured, string installRoot)
    {
        if (configured is not null)
        {
            return File.Exists(Path.Combine(configured, "postgres"))
                ? configured
                : throw new EmbeddedPostgresException($"No PostgreSQL server binaries in '{configured}' (Registry:Postgres:BinDirectory).");
        }

        var found = Directory.Exists(installRoot)
            ? Directory.GetDirectories(installRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres")) && File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return found ?? throw new EmbeddedPostgresException(
            $"PostgreSQL server binaries were not found (looked in {installRoot}/*/bin). Install them with: " +
            "sudo apt-get install -y postgresql   — or set ConnectionStrings:Registry to use an existing server.");
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory(_options.BinDirectory);
        var data = Path.GetFullPath(_options.DataDirectory);

        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            await InitialiseAsync(bin, data, cancellationToken);
        }

        CheckOwnership(data);
        await RecoverStalePidFileAsync(data, cancellationToken);

        Port = _options.Port == 0 ? FreePort() : _options.Port;
        if (_options.Port != 0 && !PortIsFree(Port))
        {
            throw new EmbeddedPostgresException($"Port {Port} on 127.0.0.1 is taken by another program. Choose another (Registry:Postgres:Port) or 0 for any free port.");
        }

        var args = new List<string>
        {
            Path.Combine(bin, "postgres"), "-D", data, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200",
        };
        foreach (var (name, value) in _options.Settings)
        {
            args.Add("-c");
            args.Add($"{name}={value}");
        }

        var log = Path.Combine(data, "log", "registry-postgres.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        if (IsRoot)
        {
            Chown(Path.GetDirectoryName(log)!);
        }

        _server = StartAsServiceUser(args, redirect: true);
        var output = new StringBuilder();
        _server.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        _server.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + _options.StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_server.HasExited)
            {
                string text;
                lock (output) { text = output.ToString(); }
                throw new EmbeddedPostgresException($"PostgreSQL exited while starting (exit code {_server.ExitCode}) on port {Port} with data folder '{data}':\n{Tail(text)}");
            }

            if (await CanConnectAsync(cancellationToken))
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                await StopAsync();
                throw new EmbeddedPostgresException($"PostgreSQL did not accept connections within {_options.StartTimeout.TotalSeconds:0} s on port {Port}.");
            }

            await Task.Delay(100, cancellationToken);
        }

        await EnsureDatabaseAsync(_options.Database, cancellationToken);
    }

    private async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false;Timeout=2");
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task InitialiseAsync(string bin, string data, CancellationToken cancellationToken)
    {
        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
        {
            throw new EmbeddedPostgresException($"The data folder '{data}' is not empty but holds no PostgreSQL cluster (no PG_VERSION). Move it away or choose another folder.");
        }

        Directory.CreateDirectory(data);
        if (IsRoot)
        {
            Chown(data);
        }

        var init = StartAsServiceUser([Path.Combine(bin, "initdb"), "-D", data, "-U", ServiceUser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], redirect: true);
        var stdout = init.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = init.StandardError.ReadToEndAsync(cancellationToken);
        await init.WaitForExitAsync(cancellationToken);
        if (init.ExitCode != 0)
        {
            throw new EmbeddedPostgresException($"initdb failed for '{data}' (exit code {init.ExitCode}):\n{Tail(await stdout + await stderr)}");
        }
    }

    private static void CheckOwnership(string data)
    {
        var expected = IsRoot ? ServiceUser : Environment.UserName;
        var owner = OwnerOf(data);
        if (owner is not null && owner != expected)
        {
            throw new EmbeddedPostgresException(
                $"The data folder '{data}' belongs to '{owner}', but PostgreSQL will run as '{expected}'. " +
                $"Give it to that user (chown -R {expected} '{data}') or choose another folder.");
        }
    }

    /// <summary>
    /// A crash (or a killed host) leaves postmaster.pid behind. If its process is gone, the file is
    /// stale and removed; if a postmaster still serves this very folder (an orphan of a killed host), it is stopped first.
    /// A postmaster whose host still runs is left alone and the start is refused.
    /// </summary>
    private static async Task RecoverStalePidFileAsync(string data, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        var lines = await File.ReadAllLinesAsync(pidFile, cancellationToken);
        if (lines.Length > 0 && int.TryParse(lines[0].Trim(), out var pid) && IsPostmasterOf(pid, data))
        {
            // A postmaster whose parent is still a running program belongs to another host (a second
            // `make run` on the same folder, say): stopping it would pull the database from under that host.
            if (RunningParentOf(pid) is { } owner)
            {
                throw new EmbeddedPostgresException(
                    $"The data folder '{data}' is in use by a PostgreSQL server (pid {pid}) that another running program started (pid {owner.Pid}: {owner.Command}). " +
                    "Stop that program first, or give this one another folder (Registry:DataDirectory).");
            }

            kill(pid, SigInt);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (IsAlive(pid) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }

            if (IsAlive(pid))
            {
                throw new EmbeddedPostgresException($"A PostgreSQL server (pid {pid}) is still running on '{data}' and did not stop. Stop it and start again.");
            }
        }

        File.Delete(pidFile);
    }

    /// <summary>
    /// The Registry host (a .NET process) that started <paramref name="pid"/>, when it still runs. Null for an
    /// orphan: its host is gone, so init or a subreaper adopted it, and it may be stopped and restarted.
    /// </summary>
    private static (int Pid, string Command)? RunningParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name "(…)", which may itself hold spaces: state, ppid, …
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            if (parent <= 1 || !IsAlive(parent))
            {
                return null;
            }

            var command = File.ReadAllText($"/proc/{parent}/cmdline").Replace('\0', ' ').Trim();
            var executable = Path.GetFileName(new FileInfo($"/proc/{parent}/exe").LinkTarget ?? "");
            var isHost = executable is "dotnet" || executable.StartsWith("Registry", StringComparison.Ordinal) || command.Contains("Registry", StringComparison.Ordinal);
            return isHost ? (parent, command.Length > 120 ? command[..120] + "…" : command) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static bool IsPostmasterOf(int pid, string data)
    {
        try
        {
            if (!IsAlive(pid))
            {
                return false;
            }

            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return cmdline.Length > 0 && Path.GetFileName(cmdline[0]) == "postgres" && cmdline.Contains(data);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Fast shutdown (SIGINT): active transactions roll back, the cluster is left consistent.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_server is null || _server.HasExited)
        {
            return;
        }

        kill(_server.Id, SigInt);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            await _server.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            kill(_server.Id, SigKill);
            await _server.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>Stops synchronously; for process-exit handlers, where nothing may be awaited.</summary>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    /// <summary>Kills the postmaster without letting it clean up, as a crash would (tests use it).</summary>
    public void Crash()
    {
        if (_server is { HasExited: false })
        {
            kill(_server.Id, SigKill);
            _server.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server?.Dispose();
    }

    private static Process StartAsServiceUser(IReadOnlyList<string> command, bool redirect)
    {
        var info = new ProcessStartInfo
        {
            FileName = IsRoot ? "setpriv" : command[0],
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            UseShellExecute = false,
        };
        if (IsRoot)
        {
            foreach (var a in new[] { $"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--init-groups", "--" })
            {
                info.ArgumentList.Add(a);
            }

            info.ArgumentList.Add(command[0]);
        }

        foreach (var a in command.Skip(1))
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["LC_ALL"] = "C.UTF-8";
        return Process.Start(info) ?? throw new EmbeddedPostgresException($"Could not start {command[0]}.");
    }

    private static void Chown(string path)
    {
        using var chown = Process.Start("chown", ["-R", $"{ServiceUser}:{ServiceUser}", path]);
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new EmbeddedPostgresException($"Could not give '{path}' to the '{ServiceUser}' user (is there such a user? apt-get install postgresql creates it).");
        }
    }

    private static string? OwnerOf(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%U", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return stat.ExitCode == 0 ? owner : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(15));

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc")]
    private static extern uint geteuid();
}
