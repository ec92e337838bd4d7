// Signs checkpoints of the log with the registry's ECDSA P-256 key: on demand, on a schedule and
// soon after events that matter (approvals, deployments, rollbacks). The key file is created on
// first start, readable by its owner only (0600); losing it only means later checkpoints are signed
// by a new key, whose fingerprint the portal and every evidence bundle show.
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Npgsql;

namespace Registry.EventStore.Checkpoints;

public sealed class CheckpointSigner : IDisposable
{
    private readonly EventStore _store;
    private readonly ECDsa _key;
    private readonly TimeProvider _time;

    public CheckpointSigner(EventStore store, string keyPath, TimeProvider timeProvider)
    {
        _store = store;
        _time = timeProvider;
        _key = LoadOrCreateKey(keyPath);
        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem() + "\n";
        KeyFingerprint = Checkpoint.KeyFingerprintOf(PublicKeyPem);
    }

    public string Origin => _store.Options.Origin;

    /// <summary>The public key (SubjectPublicKeyInfo PEM): what <c>openssl dgst -verify</c> takes.</summary>
    public string PublicKeyPem { get; }

    public string KeyFingerprint { get; }

    /// <summary>Reads the PKCS#8 PEM key at <paramref name="path"/>, or creates one there (mode 0600) when the file does not exist.</summary>
    public static ECDsa LoadOrCreateKey(string path)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var file = new FileStream(path, options);
                file.Write(Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"));
                return key;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} holds no ECDSA private key in PEM form: {e.Message}", e);
        }

        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} holds a {key.KeySize}-bit key; checkpoints are signed with ECDSA P-256");
        }

        return key;
    }

    /// <summary>Signs the log's current head, unless the latest checkpoint already covers it with this key.</summary>
    public async Task<Checkpoint> SignAsync(CancellationToken cancellationToken = default)
    {
        var head = await _store.GetHeadAsync(cancellationToken);
        await using var connection = await _store.DataSource.OpenConnectionAsync(cancellationToken);
        var latest = await CheckpointStore.LatestAsync(connection, cancellationToken);
        if (latest is not null && latest.TreeSize == head.TreeSize && latest.PublicKeyPem == PublicKeyPem && latest.Origin == Origin)
        {
            return latest;
        }

        var body = Checkpoint.FormatBody(Origin, head.TreeSize, head.RootHash);
        var signature = _key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var checkpoint = new Checkpoint(0, Origin, head.TreeSize, head.RootHash, body, signature, PublicKeyPem, _time.GetUtcNow());
        return await CheckpointStore.InsertAsync(connection, checkpoint, cancellationToken);
    }

    public async Task<Checkpoint?> GetLatestAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(cancellationToken);
        return await CheckpointStore.LatestAsync(connection, cancellationToken);
    }

    /// <summary>The latest checkpoint of exactly this tree size, if one was signed.</summary>
    public async Task<Checkpoint?> FindAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(cancellationToken);
        return await CheckpointStore.FindAsync(connection, treeSize, cancellationToken);
    }

    public async Task<IReadOnlyList<Checkpoint>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(cancellationToken);
        return await CheckpointStore.ListAsync(connection, null, cancellationToken);
    }

    /// <summary>
    /// Signs every <paramref name="interval"/>, and right after any event <paramref name="signAfter"/> picks
    /// (woken by the feed), until cancelled. A database outage skips a round; the next one catches up.
    /// </summary>
    public async Task RunAsync(TimeSpan interval, Func<StoredEvent, bool> signAfter, CancellationToken cancellationToken)
    {
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var start = await StartPositionAsync(cancellationToken);
        var watcher = Task.Run(async () =>
        {
            await foreach (var e in _store.SubscribeAsync(start, cancellationToken))
            {
                if (signAfter(e))
                {
                    wake.Writer.TryWrite(true);
                }
            }
        }, cancellationToken);

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await SignQuietlyAsync(cancellationToken);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(interval);
                try
                {
                    await wake.Reader.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // the interval elapsed
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        try
        {
            await watcher;
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _key.Dispose();

    private async Task<long> StartPositionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return (await _store.GetHeadAsync(cancellationToken)).TreeSize;
            }
            catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken);
            }
        }
    }

    private async Task SignQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SignAsync(cancellationToken);
        }
        catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
        {
            // The database is away; the next round signs.
        }
    }
}
