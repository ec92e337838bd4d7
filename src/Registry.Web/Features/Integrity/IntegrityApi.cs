// The integrity API of the contract (section 2): the latest signed checkpoint, signing one now,
// inclusion and consistency proofs (RFC 9162), and a full verification. Hashes are lowercase hex,
// the signature base64 DER, as in the contract; the same data the integrity pages show.
using Microsoft.AspNetCore.Http.HttpResults;
using Registry.EventStore;
using Registry.EventStore.Checkpoints;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Integrity;

public sealed record CheckpointView(string Origin, long TreeSize, string RootHash, string Text, string Signature, string PublicKeyPem, string KeyFingerprint, DateTimeOffset SignedAt)
{
    public static CheckpointView Of(Checkpoint c) => new(
        c.Origin, c.TreeSize, Convert.ToHexStringLower(c.RootHash), c.Body, Convert.ToBase64String(c.Signature), c.PublicKeyPem, c.KeyFingerprint, c.SignedAt);
}

public sealed record InclusionProofView(long Position, long LeafIndex, long TreeSize, string LeafHash, string RootHash, IReadOnlyList<string> Path);

public sealed record ConsistencyProofView(long From, long To, string FromRoot, string ToRoot, IReadOnlyList<string> Path);

public sealed record VerificationView(bool Ok, long TreeSize, string RootHash, long? FirstBadPosition, string? Problem, int CheckpointsChecked);

public static class IntegrityApi
{
    public static IEndpointRouteBuilder MapIntegrityApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/integrity").WithTags("Integrity");
        group.MapGet("/checkpoint", Latest).RequireAuthorization(Permissions.Read).ProducesProblems(404);
        group.MapPost("/checkpoints", Sign).RequireAuthorization(Permissions.SignCheckpoint).ProducesProblems();
        group.MapGet("/proofs/inclusion", Inclusion).RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        group.MapGet("/proofs/consistency", Consistency).RequireAuthorization(Permissions.Read).ProducesProblems(400);
        group.MapGet("/verify", Verify).RequireAuthorization(Permissions.VerifyIntegrity).ProducesProblems();
        return app;
    }

    /// <summary>The newest signed checkpoint.</summary>
    public static async Task<Results<Ok<CheckpointView>, ProblemHttpResult>> Latest(CheckpointHistory checkpoints, CancellationToken cancellationToken) =>
        await checkpoints.LatestAsync(cancellationToken) is { } latest
            ? TypedResults.Ok(CheckpointView.Of(latest))
            : ApiProblems.NotFound("No checkpoint has been signed yet.");

    /// <summary>Signs a checkpoint of the log as it is now.</summary>
    public static async Task<Created<CheckpointView>> Sign(CheckpointSigner signer, CancellationToken cancellationToken) =>
        TypedResults.Created("/api/v1/integrity/checkpoint", CheckpointView.Of(await signer.SignAsync(cancellationToken)));

    /// <summary>The audit path of the event at <paramref name="position"/> (leaf index position − 1) in the tree of <paramref name="treeSize"/> events; by default the newest checkpoint's, or the whole log when no checkpoint covers it.</summary>
    public static async Task<Results<Ok<InclusionProofView>, ProblemHttpResult>> Inclusion(long? position, long? treeSize, EventStore.EventStore store, CheckpointHistory checkpoints, CancellationToken cancellationToken)
    {
        if (position is not { } p || p < 1)
        {
            return ApiProblems.Invalid("position", "position must be an event's position, 1 or more");
        }

        var head = await store.GetHeadAsync(cancellationToken);
        if (p > head.TreeSize)
        {
            return ApiProblems.NotFound($"The log holds {head.TreeSize} events; there is no event at position {p}.");
        }

        var latest = await checkpoints.LatestAsync(cancellationToken);
        var size = treeSize ?? (latest is not null && latest.TreeSize >= p ? latest.TreeSize : head.TreeSize);
        if (size < p || size > head.TreeSize)
        {
            return ApiProblems.Invalid("treeSize", $"treeSize must be from {p} (the position) to {head.TreeSize} (the log's size)");
        }

        var proof = await store.GetInclusionProofAsync(p, size, cancellationToken);
        return TypedResults.Ok(new InclusionProofView(p, proof.LeafIndex, proof.TreeSize, Hex(proof.LeafHash), Hex(proof.RootHash), [.. proof.Path.Select(Hex)]));
    }

    /// <summary>The proof that the tree of <paramref name="to"/> events extends the tree of <paramref name="from"/> events.</summary>
    public static async Task<Results<Ok<ConsistencyProofView>, ProblemHttpResult>> Consistency(long? from, long? to, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        var head = await store.GetHeadAsync(cancellationToken);
        if (from is not { } f || f < 1)
        {
            return ApiProblems.Invalid("from", "from must be a tree size, 1 or more");
        }

        if (to is not { } t || t < f || t > head.TreeSize)
        {
            return ApiProblems.Invalid("to", $"to must be a tree size from {f} (from) to {head.TreeSize} (the log's size)");
        }

        var proof = await store.GetConsistencyProofAsync(f, t, cancellationToken);
        return TypedResults.Ok(new ConsistencyProofView(proof.From, proof.To, Hex(proof.FromRoot), Hex(proof.ToRoot), [.. proof.Path.Select(Hex)]));
    }

    /// <summary>Recomputes every leaf, the chain, the root and every checkpoint's signature; names the first position that does not match. The result is remembered (the dashboard shows the last).</summary>
    public static async Task<Ok<VerificationView>> Verify(Verifications verifications, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await verifications.VerifyAsync(context.User.Actor(), "api", cancellationToken);
        return TypedResults.Ok(new VerificationView(result.Ok, result.TreeSize, result.RootHashHex, result.FirstBadPosition, result.Problem, result.CheckpointsChecked));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
