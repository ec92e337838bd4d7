// The checkpoint an export is built on: when the host runs the checkpoint signer, a checkpoint of
// the log's current head (signed now unless the latest already covers it), so reports and bundles
// include the newest events; otherwise the newest stored checkpoint.
using Npgsql;
using Registry.EventStore.Checkpoints;

namespace Registry.Web.Features.Evidence;

public sealed class CheckpointSource(NpgsqlDataSource dataSource, IServiceProvider services)
{
    public async Task<SignedCheckpoint?> CurrentAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<CheckpointSigner>() is { } signer)
        {
            var signed = await signer.SignAsync(cancellationToken);
            return new SignedCheckpoint(signed.Origin, signed.TreeSize, signed.RootHash, signed.Body, signed.Signature, signed.PublicKeyPem, signed.SignedAt);
        }

        return await SignedCheckpoint.LatestAsync(dataSource, cancellationToken);
    }
}
