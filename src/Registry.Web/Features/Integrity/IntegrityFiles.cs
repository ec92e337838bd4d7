// The integrity API (IntegrityApi), and the latest (or any) checkpoint as the three files OpenSSL needs: the signed text, the DER
// signature and the PEM public key (`latest` names the newest one); and any event's envelope,
// the exact bytes its leaf hash was computed over.
using Registry.EventStore.Checkpoints;
using Registry.Web.Identity;

namespace Registry.Web.Features.Integrity;

public static class IntegrityFiles
{
    public static IEndpointRouteBuilder MapIntegrityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapIntegrityApi();
        var group = app.MapGroup("/integrity/checkpoints/{id}").RequireAuthorization(Permissions.Read).ExcludeFromDescription();
        group.MapGet("/checkpoint.txt", async (string id, CheckpointHistory checkpoints, CancellationToken ct) =>
            await FindAsync(id, checkpoints, ct) is { } c ? Results.Text(c.Body, "text/plain; charset=utf-8") : Results.NotFound());
        group.MapGet("/checkpoint.sig", async (string id, CheckpointHistory checkpoints, CancellationToken ct) =>
            await FindAsync(id, checkpoints, ct) is { } c ? Results.File(c.Signature, "application/octet-stream", "checkpoint.sig") : Results.NotFound());
        group.MapGet("/public-key.pem", async (string id, CheckpointHistory checkpoints, CancellationToken ct) =>
            await FindAsync(id, checkpoints, ct) is { } c ? Results.Text(c.PublicKeyPem, "application/x-pem-file") : Results.NotFound());
        app.MapGet("/integrity/proofs/{position:long}/envelope", async (long position, Registry.EventStore.EventStore store, CancellationToken ct) =>
                position >= 1 && await store.ReadEventAsync(position, ct) is { } stored
                    ? Results.File(stored.Envelope, "application/json", $"event-{position}.json")
                    : Results.NotFound())
            .RequireAuthorization(Permissions.Read)
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<Checkpoint?> FindAsync(string id, CheckpointHistory checkpoints, CancellationToken cancellationToken) =>
        id == "latest" ? await checkpoints.LatestAsync(cancellationToken)
        : long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? await checkpoints.ByIdAsync(n, cancellationToken)
        : null;
}
