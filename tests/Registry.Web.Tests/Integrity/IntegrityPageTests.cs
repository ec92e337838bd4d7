using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Security.Cryptography;
using System.Text;
using Registry.Testing;

namespace Registry.Web.Tests.Integrity;

/// <summary>/integrity, its files for OpenSSL, "verify now" and /integrity/proofs/{position}, over HTTP.</summary>
public sealed class IntegrityPageTests(IntegrityPageTests.Fixture fixture) : IClassFixture<IntegrityPageTests.Fixture>
{
    public sealed class Fixture : RegistryApp
    {
        public Persona Auditor { get; private set; } = null!;

        public Persona Scientist { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Auditor = await this.CreateAsync("ines", "Inès Prüferin", "auditor");
            Scientist = await this.CreateAsync("sam", "Sam Scientist", "data-scientist");
        }

        public async Task<long> VerificationCountAsync()
        {
            await using var command = DataSource.CreateCommand("SELECT count(*) FROM registry.integrity_verifications");
            return (long)(await command.ExecuteScalarAsync())!;
        }

        /// <summary>Runs SQL with triggers off: how someone with database access would tamper.</summary>
        public async Task TamperAsync(string sql)
        {
            await using var connection = await DataSource.OpenConnectionAsync();
            await using var command = new Npgsql.NpgsqlCommand("SET session_replication_role = replica; " + sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        /// <summary>Signs a checkpoint of the log as it is now, with the admin's "Sign a checkpoint now" button; returns its size.</summary>
        public async Task<long> SignAsync()
        {
            using var admin = CreateAdminClient();
            var posted = await admin.SubmitFormAsync("/integrity", "form#sign-now");
            Assert.Equal(HttpStatusCode.Redirect, posted.Status);
            Assert.Equal("/integrity", posted.RedirectTarget);
            return await EventCountAsync();
        }
    }

    [Fact]
    public async Task The_latest_checkpoint_is_shown_with_origin_size_root_signature_and_key_fingerprint()
    {
        await fixture.SignAsync();
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/integrity");
        var body = await client.GetStringAsync(new Uri("/integrity/checkpoints/latest/checkpoint.txt", UriKind.Relative));
        var lines = body.Split('\n');

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("registry.test", page.Document.QuerySelector("[data-field=origin]")!.TextContent);
        Assert.Equal("registry.test", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[3]);
        var size = long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(size.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " events", page.Document.QuerySelector("[data-field=tree-size]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(Convert.FromBase64String(lines[2])), page.Document.QuerySelector("[data-field=root-hash] code")!.GetAttribute("data-hash"));
        Assert.NotNull(page.Document.QuerySelector("[data-state=signature-valid]"));
    }

    [Fact]
    public async Task The_three_files_verify_as_OpenSSL_would_and_the_fingerprint_is_that_of_the_key()
    {
        await fixture.SignAsync();
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var text = await client.GetByteArrayAsync(new Uri("/integrity/checkpoints/latest/checkpoint.txt", UriKind.Relative));
        var signature = await client.GetByteArrayAsync(new Uri("/integrity/checkpoints/latest/checkpoint.sig", UriKind.Relative));
        var pem = await client.GetStringAsync(new Uri("/integrity/checkpoints/latest/public-key.pem", UriKind.Relative));
        var page = await client.GetPageAsync("/integrity");

        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        Assert.True(key.VerifyData(text, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo())), page.Document.QuerySelector("[data-field=key-fingerprint] code")!.GetAttribute("data-hash"));
    }

    [Fact]
    public async Task The_history_lists_every_checkpoint_newest_first_linked_by_consistency_proofs()
    {
        var first = await fixture.SignAsync();
        await fixture.CreateAsync("later", "Later Person", "auditor");
        var second = await fixture.SignAsync();
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/integrity");

        var rows = page.Document.QuerySelectorAll("#history-title ~ div tbody tr");
        Assert.Contains(second.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), rows[0].QuerySelector("td.num")!.TextContent, StringComparison.Ordinal);
        var link = rows[0].QuerySelector("a[href^='/api/v1/integrity/proofs/consistency']")!.GetAttribute("href");
        Assert.Equal($"/api/v1/integrity/proofs/consistency?from={first}&to={second}", link);
    }

    [Fact]
    public async Task The_independent_verification_commands_name_this_server_and_openssl()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/integrity");

        var commands = page.Document.QuerySelector("#independent-title")!.ParentElement!.TextContent;
        Assert.Contains("openssl dgst -sha256 -verify public-key.pem -signature checkpoint.sig checkpoint.txt", commands, StringComparison.Ordinal);
        Assert.Contains("registry verify evidence.zip", commands, StringComparison.Ordinal);
        Assert.Contains("http://localhost/integrity/checkpoints/", commands, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_s_proof_page_replays_the_path_to_the_signed_root()
    {
        await fixture.SignAsync();
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/integrity/proofs/2");
        var envelope = await client.GetByteArrayAsync(new Uri("/integrity/proofs/2/envelope", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var leaf = page.Document.QuerySelector("[data-field=leaf-hash]")!.TextContent;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0x00, .. envelope])), leaf);
        Assert.Equal(page.Document.QuerySelector("[data-field=root]")!.TextContent, page.Document.QuerySelector("[data-field=computed-root]")!.TextContent);
        Assert.Contains("the event is in the tree", page.Text, StringComparison.Ordinal);
        var latest = await client.GetStringAsync(new Uri("/integrity/checkpoints/latest/checkpoint.txt", UriKind.Relative));
        Assert.Equal(Convert.ToHexStringLower(Convert.FromBase64String(latest.Split('\n')[2])), page.Document.QuerySelector("[data-field=root]")!.TextContent);
    }

    [Fact]
    public async Task A_position_past_the_end_of_the_log_is_a_404_that_says_how_long_the_log_is()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.GetPageAsync("/integrity/proofs/999999");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Contains("no event at position 999999", page.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_auditor_verifies_the_whole_log_now_and_sees_the_result()
    {
        using var client = fixture.CreateTokenClient(fixture.Auditor.Token);

        var page = await client.SubmitFormAsync("/integrity", "form#verify-now");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.NotNull(page.Document.QuerySelector("[data-state=verified]"));
        Assert.Contains((await fixture.EventCountAsync()).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), page.Document.QuerySelector("[data-state=verified]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_now_is_remembered_and_the_page_says_when_by_whom_and_that_the_log_held()
    {
        using var auditor = fixture.CreateTokenClient(fixture.Auditor.Token);
        var before = await fixture.VerificationCountAsync();

        await auditor.SubmitFormAsync("/integrity", "form#verify-now");
        using var scientist = fixture.CreateTokenClient(fixture.Scientist.Token);
        var page = await scientist.GetPageAsync("/integrity");

        Assert.Equal(before + 1, await fixture.VerificationCountAsync());
        var last = page.Document.QuerySelector("[data-field=last-verification]")!;
        Assert.Equal("last-verified", last.GetAttribute("data-state"));
        Assert.Contains("Inès Prüferin", last.TextContent, StringComparison.Ordinal);
        Assert.Contains("(portal)", last.TextContent, StringComparison.Ordinal);
        Assert.Null(page.Document.QuerySelector("[data-state=verified]"));
    }

    [Fact]
    public async Task A_verification_that_fails_is_remembered_with_the_first_bad_position()
    {
        using var auditor = fixture.CreateTokenClient(fixture.Auditor.Token);

        // Tampered as someone with database access would (triggers off), verified through the API, then put back.
        await fixture.TamperAsync("UPDATE registry.events SET envelope = envelope || '\\x20'::bytea WHERE position = 2");
        JsonElement verdict;
        try
        {
            verdict = await auditor.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/integrity/verify", UriKind.Relative));
        }
        finally
        {
            await fixture.TamperAsync("UPDATE registry.events SET envelope = substring(envelope from 1 for length(envelope) - 1) WHERE position = 2");
        }

        var page = await auditor.GetPageAsync("/integrity");

        Assert.False(verdict.GetProperty("ok").GetBoolean());
        Assert.Equal(2, verdict.GetProperty("firstBadPosition").GetInt64());
        var last = page.Document.QuerySelector("[data-field=last-verification]")!;
        Assert.Equal("last-verification-failed", last.GetAttribute("data-state"));
        Assert.Equal("2", last.QuerySelector("a[data-field=first-bad-position]")!.TextContent);
        Assert.Equal("/integrity/proofs/2", last.QuerySelector("a[data-field=first-bad-position]")!.GetAttribute("href"));
    }

    [Fact]
    public async Task A_data_scientist_sees_no_verify_button_and_a_forged_post_is_forbidden()
    {
        using var scientist = fixture.CreateTokenClient(fixture.Scientist.Token);

        var page = await scientist.GetPageAsync("/integrity");
        var forged = await scientist.ForgePostAsync("/integrity", "/integrity", ("_handler", "verify-now"));

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Null(page.Document.QuerySelector("form#verify-now"));
        Assert.Contains("Admins and auditors can run a full verification", page.Text, StringComparison.Ordinal);
        // The form is not rendered for them, so the post names no form of the page and is refused before any handler runs.
        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Null(forged.Document.QuerySelector("[data-state=verified]"));
    }

    [Fact]
    public async Task Anonymous_visitors_get_no_page_and_no_checkpoint_files()
    {
        using var client = fixture.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var page = await client.GetAsync(new Uri("/integrity", UriKind.Relative));
        var file = await client.GetAsync(new Uri("/integrity/checkpoints/latest/public-key.pem", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, file.StatusCode);
        Assert.DoesNotContain("BEGIN PUBLIC KEY", Encoding.UTF8.GetString(await file.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);
    }
}
