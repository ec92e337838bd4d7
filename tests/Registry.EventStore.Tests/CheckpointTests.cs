using System.Diagnostics;
using System.Text;
using Registry.EventStore.Checkpoints;
using Registry.EventStore.Merkle;

namespace Registry.EventStore.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("checkpoints-").FullName;

    private string KeyPath => Path.Combine(_folder, "keys", "signing.pem");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_body_is_origin_size_and_base64_root_each_on_its_own_line()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"), TestLog.Event("B"), TestLog.Event("C"));
        using var signer = new CheckpointSigner(log.Store, KeyPath, log.Clock);

        var checkpoint = await signer.SignAsync();

        var root = (await log.Store.GetHeadAsync()).RootHash;
        Assert.Equal($"registry.test\n3\n{Convert.ToBase64String(root)}\n", checkpoint.Body);
        Assert.Equal((3L, "registry.test"), (checkpoint.TreeSize, checkpoint.Origin));
        Assert.True(checkpoint.HasValidSignature());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_key_file_is_created_on_first_start_readable_by_its_owner_only_and_reused_after()
    {
        await using var log = await TestLog.CreateAsync();

        string first;
        using (var signer = new CheckpointSigner(log.Store, KeyPath, log.Clock))
        {
            first = signer.PublicKeyPem;
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        using var again = new CheckpointSigner(log.Store, KeyPath, log.Clock);
        Assert.Equal(first, again.PublicKeyPem);
    }

    [Fact]
    public async Task Openssl_accepts_the_signature()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"));
        using var signer = new CheckpointSigner(log.Store, KeyPath, log.Clock);
        var checkpoint = await signer.SignAsync();
        await File.WriteAllTextAsync(Path.Combine(_folder, "checkpoint.txt"), checkpoint.Body);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "checkpoint.sig"), checkpoint.Signature);
        await File.WriteAllTextAsync(Path.Combine(_folder, "public-key.pem"), checkpoint.PublicKeyPem);

        var (exit, output) = await OpensslVerifyAsync("checkpoint.txt");
        Assert.True(exit == 0, output);
        Assert.Contains("Verified OK", output, StringComparison.Ordinal);

        await File.WriteAllTextAsync(Path.Combine(_folder, "forged.txt"), checkpoint.Body.Replace("\n1\n", "\n2\n", StringComparison.Ordinal));
        Assert.NotEqual(0, (await OpensslVerifyAsync("forged.txt")).Exit);
    }

    [Fact]
    public async Task All_checkpoints_are_kept_and_signing_an_unchanged_log_returns_the_latest()
    {
        await using var log = await TestLog.CreateAsync();
        using var signer = new CheckpointSigner(log.Store, KeyPath, log.Clock);
        var empty = await signer.SignAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"));
        var one = await signer.SignAsync();

        var again = await signer.SignAsync();

        Assert.Equal(one.Id, again.Id);
        Assert.Equal([0L, 1L], (await signer.ListAsync()).Select(c => c.TreeSize));
        var proof = await log.Store.GetConsistencyProofAsync(empty.TreeSize, one.TreeSize);
        Assert.True(MerkleMath.VerifyConsistency(0, 1, empty.RootHash, one.RootHash, proof.Path));
    }

    [Fact]
    public async Task A_tampered_checkpoint_fails_its_signature_check()
    {
        await using var log = await TestLog.CreateAsync();
        using var signer = new CheckpointSigner(log.Store, KeyPath, log.Clock);
        var checkpoint = await signer.SignAsync();

        Assert.False((checkpoint with { TreeSize = 5, Body = Checkpoint.FormatBody("registry.test", 5, checkpoint.RootHash) }).HasValidSignature());
        Assert.False((checkpoint with { TreeSize = 5 }).HasValidSignature());
    }

    [Fact]
    public async Task The_signer_signs_soon_after_a_significant_event()
    {
        await using var log = await TestLog.CreateAsync();
        using var signer = new CheckpointSigner(log.Store, KeyPath, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var running = signer.RunAsync(TimeSpan.FromHours(1), e => e.Type == "VersionApproved", stop.Token);
        await WaitForAsync(async () => (await signer.GetLatestAsync())?.TreeSize == 0);

        await log.AppendAsync("m", 0, TestLog.Event("VersionApproved"));

        await WaitForAsync(async () => (await signer.GetLatestAsync())?.TreeSize == 1);
        await stop.CancelAsync();
        await running;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "timed out waiting");
            await Task.Delay(50);
        }
    }

    private async Task<(int Exit, string Output)> OpensslVerifyAsync(string body)
    {
        var start = new ProcessStartInfo("openssl", ["dgst", "-sha256", "-verify", "public-key.pem", "-signature", "checkpoint.sig", body])
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
