using System.Net;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;

namespace Registry.Web.Tests.Portal;

/// <summary>Script stored through the API in every free-text field must come back as text on every page.</summary>
public sealed class XssTests(XssTests.Fixture app) : IClassFixture<XssTests.Fixture>
{
    public const string Payload = "<script>alert('x')</script><img src=x onerror=alert(1)>";

    private static readonly string?[] OwnScripts = ["js/registry.js", "/lib/dagre/dagre.min.js", "/js/lineage-graph.js"];

    public sealed class Fixture : PortalApp
    {
        public string RollbackId { get; private set; } = "";

        public string ApprovedRollbackId { get; private set; } = "";

        /// <summary>The position of the event that created the model, whose every text field is the payload.</summary>
        public long ProofPosition { get; private set; }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await AddPersonAsync("mallory", Payload, "approver");
            await ApiAsync("zoe", "/api/v1/models", new
            {
                name = "evil",
                riskTier = "medium",
                owner = "zoe",
                description = Payload,
                intendedUse = Payload,
                restrictions = Payload,
                tags = new Dictionary<string, string> { ["note"] = Payload },
            });
            for (var i = 0; i < 2; i++)
            {
                await RegisterAsync("evil", customise: body =>
                {
                    body["artifact"]!["uri"] = "https://example.org/a?x=" + Uri.EscapeDataString(Payload) + i;
                    body["datasets"] = new JsonArray(new JsonObject { ["name"] = Payload + i, ["role"] = "training", ["uri"] = "https://example.org/d?" + Uri.EscapeDataString(Payload), ["sha256"] = Hash("d" + i) });
                    body["dependencies"] = new JsonArray(new JsonObject { ["ecosystem"] = "pypi", ["name"] = Payload, ["version"] = "1." + i });
                    body["parameters"] = new JsonObject { [Payload] = Payload + i };
                    body["metrics"] = new JsonObject { ["auc"] = 0.8 + i / 100.0 };
                    body["source"] = new JsonObject { ["repository"] = "https://example.org/r?" + Uri.EscapeDataString(Payload), ["commit"] = Hash("c")[..40] };
                    body["notes"] = Payload + "\n" + i;
                });
                await SubmitAsync("evil", i + 1);
                await DecideAsync("evil", i + 1, "mallory", comment: Payload);
                await ApiAsync("olga", "/api/v1/models/evil/deployments", new { version = i + 1, environment = "production", reference = Payload + i });
            }

            var requested = await ApiAsync("zoe", "/api/v1/models/evil/rollback-requests", new { environment = "production", reason = Payload });
            RollbackId = requested.GetProperty("id").GetString()!;
            await ApiAsync("olga", $"/api/v1/rollback-requests/{RollbackId}/reject", new { comment = Payload });
            var again = await ApiAsync("zoe", "/api/v1/models/evil/rollback-requests", new { environment = "production", reason = Payload + " again" });
            ApprovedRollbackId = again.GetProperty("id").GetString()!;
            await ApiAsync("diego", $"/api/v1/rollback-requests/{ApprovedRollbackId}/approve", new { comment = Payload });

            await ApiAsync("olga", "/api/v1/users/olga/tokens", new { name = Payload });

            // Loopback and an event type this fixture never records: nothing is ever delivered anywhere.
            await ApiAsync("kwame", "/api/v1/webhooks", new { url = "http://127.0.0.1:9/hook?note=" + Payload, eventTypes = new[] { "RollbackCompleted" } });

            await using var command = DataSource.CreateCommand("SELECT min(position) FROM registry.events WHERE stream = 'model-evil'");
            ProofPosition = (long)(await command.ExecuteScalarAsync())!;
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/models")]
    [InlineData("/models?q=evil")]
    [InlineData("/models/evil")]
    [InlineData("/models/evil/versions/1")]
    [InlineData("/models/evil/versions/2")]
    [InlineData("/models/evil/diff?from=1&to=2")]
    [InlineData("/approvals")]
    [InlineData("/models/evil/rollback?environment=production")]
    [InlineData("ROLLBACK")]
    [InlineData("APPROVED-ROLLBACK")]
    [InlineData("/models/evil/versions/1/lineage")]
    [InlineData("DATASET")]
    [InlineData("/audit")]
    [InlineData("/audit?model=evil")]
    [InlineData("/integrity")]
    [InlineData("PROOF")]
    [InlineData("/account/tokens")]
    [InlineData("/reports")]
    [InlineData("/admin", "kwame")]
    [InlineData("/admin/users/mallory", "kwame")]
    [InlineData("/admin/users/olga", "kwame")]
    public async Task Stored_script_is_shown_as_text_and_never_runs(string path, string username = "olga")
    {
        using var client = app.As(username);
        var url = path switch
        {
            "ROLLBACK" => $"/models/evil/rollbacks/{app.RollbackId}",
            "APPROVED-ROLLBACK" => $"/models/evil/rollbacks/{app.ApprovedRollbackId}",
            "DATASET" => $"/datasets/{PortalApp.Hash("d0")}",
            "PROOF" => $"/integrity/proofs/{app.ProofPosition}",
            _ => path,
        };

        var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>alert", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
        var document = new HtmlParser().ParseDocument(html);
        // Only the portal's own static scripts, never an inline one: the lineage pages add the graph layout and its drawing.
        Assert.All(document.QuerySelectorAll("script"), s => Assert.Contains(s.GetAttribute("src"), OwnScripts));
        Assert.Empty(document.QuerySelectorAll("[onerror]"));
    }

    [Fact]
    public async Task The_model_and_version_pages_show_the_stored_text_literally()
    {
        using var browser = app.BrowserFor("olga");

        var model = await browser.GetAsync("/models/evil");
        var version = await browser.GetAsync("/models/evil/versions/1");

        Assert.Contains(Payload, model.Text, StringComparison.Ordinal);
        Assert.Contains(Payload, version.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deployment_references_rollback_comments_token_names_and_webhook_addresses_come_back_as_text()
    {
        using var olga = app.BrowserFor("olga");
        using var admin = app.BrowserFor("kwame");

        var model = await olga.GetAsync("/models/evil");
        var rollback = await olga.GetAsync($"/models/evil/rollbacks/{app.ApprovedRollbackId}");
        var tokens = await olga.GetAsync("/account/tokens");
        var webhooks = await admin.GetAsync("/admin");

        Assert.Contains(Payload + "1", model.Text, StringComparison.Ordinal);
        Assert.Contains(Payload + " again", rollback.Text, StringComparison.Ordinal);
        Assert.Contains(Payload, rollback.Text.Replace(Payload + " again", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(Payload, tokens.Text, StringComparison.Ordinal);
        Assert.Contains("<script>", webhooks.Text, StringComparison.Ordinal);
    }
}
