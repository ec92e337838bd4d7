using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Registry.Testing;
using Registry.Web.Features.Integrity;

namespace Registry.Web.Tests.Integrity;

/// <summary>/api/v1/integrity/* as the contract describes it, checked with independent arithmetic.</summary>
public sealed class IntegrityApiTests(IntegrityApiTests.Fixture fixture) : IClassFixture<IntegrityApiTests.Fixture>
{
    public sealed class Fixture : RegistryApp
    {
        public Persona Auditor { get; private set; } = null!;

        public Persona Scientist { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Auditor = await this.CreateAsync("aude", "Aude", "auditor");
            Scientist = await this.CreateAsync("sami", "Sami", "data-scientist");
        }
    }

    [Fact]
    public async Task An_admin_signs_a_checkpoint_that_OpenSSL_style_verification_accepts()
    {
        using var admin = fixture.CreateAdminClient();

        var signed = await admin.PostAsync(new Uri("/api/v1/integrity/checkpoints", UriKind.Relative), null);
        var latest = await (await fixture.CreateTokenClient(fixture.Auditor.Token).GetAsync(new Uri("/api/v1/integrity/checkpoint", UriKind.Relative))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, signed.StatusCode);
        Assert.Equal("registry.test", latest.GetProperty("origin").GetString());
        var size = latest.GetProperty("treeSize").GetInt64();
        var root = latest.GetProperty("rootHash").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", root);
        Assert.Equal($"registry.test\n{size}\n{Convert.ToBase64String(Convert.FromHexString(root))}\n", latest.GetProperty("text").GetString());
        using var key = ECDsa.Create();
        key.ImportFromPem(latest.GetProperty("publicKeyPem").GetString());
        Assert.True(key.VerifyData(Encoding.UTF8.GetBytes(latest.GetProperty("text").GetString()!), Convert.FromBase64String(latest.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public async Task An_inclusion_proof_replays_from_the_leaf_to_the_root_it_names()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);
        var size = await fixture.EventCountAsync();

        var proof = await client.GetFromJsonAsync<InclusionProofView>($"/api/v1/integrity/proofs/inclusion?position=2&treeSize={size}");

        Assert.NotNull(proof);
        Assert.Equal(1, proof.LeafIndex);
        var replay = InclusionProofSteps.Replay(proof.LeafIndex, proof.TreeSize, Convert.FromHexString(proof.LeafHash), [.. proof.Path.Select(Convert.FromHexString)]);
        Assert.True(replay.Complete);
        Assert.Equal(proof.RootHash, Convert.ToHexStringLower(replay.ComputedRoot));
    }

    [Fact]
    public async Task A_consistency_proof_joins_two_roots_and_bad_sizes_are_400s()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);
        var size = await fixture.EventCountAsync();

        var ok = await client.GetAsync(new Uri($"/api/v1/integrity/proofs/consistency?from=1&to={size}", UriKind.Relative));
        var backwards = await client.GetAsync(new Uri($"/api/v1/integrity/proofs/consistency?from={size}&to=1", UriKind.Relative));
        var past = await client.GetAsync(new Uri($"/api/v1/integrity/proofs/inclusion?position={size + 1}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(size, (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("to").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Equal("application/problem+json", backwards.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, past.StatusCode);
    }

    [Fact]
    public async Task Verify_is_for_admins_and_auditors()
    {
        var auditor = await fixture.CreateTokenClient(fixture.Auditor.Token).GetAsync(new Uri("/api/v1/integrity/verify", UriKind.Relative));
        var scientist = await fixture.CreateTokenClient(fixture.Scientist.Token).GetAsync(new Uri("/api/v1/integrity/verify", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, auditor.StatusCode);
        Assert.True((await auditor.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ok").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, scientist.StatusCode);
    }
}
