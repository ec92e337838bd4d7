// A fresh log with an EventStore over it and a key that signs checkpoints the way the signer does,
// so bundles can be tested against the contract before and apart from the web host.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Registry.EventStore;
using Registry.Testing;
using Registry.Web.Features.Evidence;

namespace Registry.Web.Tests.Evidence;

public sealed class EvidenceLog : IAsyncDisposable
{
    public const string Origin = "registry.test";

    private EvidenceLog(NpgsqlDataSource dataSource, EventStore.EventStore store, TestClock clock)
    {
        DataSource = dataSource;
        Store = store;
        Clock = clock;
    }

    public NpgsqlDataSource DataSource { get; }

    public EventStore.EventStore Store { get; }

    public TestClock Clock { get; }

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string KeyFingerprint => Convert.ToHexStringLower(SHA256.HashData(Key.ExportSubjectPublicKeyInfo()));

    public static async Task<EvidenceLog> CreateAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await TestCluster.CreateDatabaseAsync("evidence"));
        var clock = new TestClock(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        return new EvidenceLog(dataSource, new EventStore.EventStore(dataSource, [], new EventStoreOptions { Origin = Origin }, clock), clock);
    }

    public EvidenceBundle Bundle => new(DataSource, Clock);

    public async Task<StoredEvent> AppendAsync(string stream, string type, JsonObject data, string actor = "alice")
    {
        Clock.Advance(TimeSpan.FromMinutes(1));
        var version = await Store.GetStreamVersionAsync(stream);
        var result = await Store.AppendAsync(stream, version, [new NewEvent(type, data)], new AppendMetadata(actor, $"corr-{Guid.NewGuid():N}"));
        return Assert.IsType<AppendResult.Appended>(result).Events.Single();
    }

    /// <summary>Signs the whole log as it stands: C2SP checkpoint text, ECDSA P-256 DER signature.</summary>
    public async Task<SignedCheckpoint> SignCheckpointAsync()
    {
        var head = await Store.GetHeadAsync();
        var body = $"{Origin}\n{head.TreeSize}\n{Convert.ToBase64String(head.RootHash)}\n";
        var signature = Key.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        await using var command = DataSource.CreateCommand(
            "INSERT INTO registry.checkpoints (origin, tree_size, root_hash, body, signature, public_key, signed_at) VALUES (@o, @s, @r, @b, @sig, @k, @at)");
        command.Parameters.AddWithValue("o", Origin);
        command.Parameters.AddWithValue("s", head.TreeSize);
        command.Parameters.AddWithValue("r", head.RootHash);
        command.Parameters.AddWithValue("b", body);
        command.Parameters.AddWithValue("sig", signature);
        command.Parameters.AddWithValue("k", Key.ExportSubjectPublicKeyInfoPem());
        command.Parameters.AddWithValue("at", Clock.GetUtcNow().UtcDateTime);
        await command.ExecuteNonQueryAsync();
        return (await SignedCheckpoint.LatestAsync(DataSource, CancellationToken.None))!;
    }

    public async Task<byte[]> ExportAsync(EvidenceScope scope)
    {
        var checkpoint = await SignedCheckpoint.LatestAsync(DataSource, CancellationToken.None);
        var (plan, refusal) = await Bundle.PrepareAsync(scope, checkpoint, CancellationToken.None);
        Assert.Null(refusal);
        using var output = new MemoryStream();
        await Bundle.WriteAsync(plan!, output, CancellationToken.None);
        return output.ToArray();
    }

    /// <summary>Runs SQL with triggers off: how someone with database access would tamper.</summary>
    public async Task TamperAsync(string sql)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SET session_replication_role = replica; " + sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
        Key.Dispose();
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
