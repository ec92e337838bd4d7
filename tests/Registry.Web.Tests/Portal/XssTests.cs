using System.Net;
using System.Text.Json.Nodes;
using AngleSharp.Html.Parser;

namespace Registry.Web.Tests.Portal;

/// <summary>Script stored through the API in every free-text field must come back as text on every page.</summary>
public sealed class XssTests(XssTests.Fixture app) : IClassFixture<XssTests.Fixture>
{
    public const string Payload = "<script>alert('x')</script><img src=x onerror=alert(1)>";

    public sealed class Fixture : PortalApp
    {
        public string RollbackId { get; private set; } = "";

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
                await DeployAsync("evil", i + 1, "production", by: "olga");
            }

            var requested = await ApiAsync("zoe", "/api/v1/models/evil/rollback-requests", new { environment = "production", reason = Payload });
            RollbackId = requested.GetProperty("id").GetString()!;
            await ApiAsync("olga", $"/api/v1/rollback-requests/{RollbackId}/reject", new { comment = Payload });
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
    public async Task Stored_script_is_shown_as_text_and_never_runs(string path)
    {
        using var client = app.As("olga");
        var url = path == "ROLLBACK" ? $"/models/evil/rollbacks/{app.RollbackId}" : path;

        var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>alert", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
        var document = new HtmlParser().ParseDocument(html);
        Assert.All(document.QuerySelectorAll("script"), s => Assert.Equal("js/registry.js", s.GetAttribute("src")));
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
}
