using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.EventStore.Migrations;
using Registry.Testing;

namespace Registry.Web.Tests.Features;

public sealed class ReadModelTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    private static readonly string[] Tables =
    [
        "models ORDER BY name", "model_versions ORDER BY model, version", "version_datasets ORDER BY model, version, role, name",
        "version_dependencies ORDER BY model, version, ecosystem, name", "approvals ORDER BY position", "deployments ORDER BY position",
        "current_deployments ORDER BY model, environment", "rollback_requests ORDER BY id",
    ];

    [Fact]
    public async Task Rebuilding_the_model_projection_from_the_log_gives_the_same_tables()
    {
        await app.CreateModelAsync("rebuilt", "high");
        var v1 = await app.RegisterAsync("rebuilt");
        await app.As("dana").PostAsync($"/api/v1/models/rebuilt/versions/{v1}/submit", null);
        await app.As("ivan").PostAsJsonAsync($"/api/v1/models/rebuilt/versions/{v1}/approvals", new { decision = "approve", comment = "ok" });
        await app.As("carla").PostAsJsonAsync($"/api/v1/models/rebuilt/versions/{v1}/approvals", new { decision = "approve", comment = "ok" });
        await app.DeployAsync("rebuilt", v1, "production");
        await app.DeployAsync("rebuilt", await app.RegisterAsync("rebuilt", datasetSha: Hashes.B, parentVersion: 1), "staging");
        await app.As("dana").PostAsJsonAsync("/api/v1/models/rebuilt/rollback-requests", new { environment = "staging", reason = "r" });
        await app.As("dana").PatchJsonAsync("/api/v1/models/rebuilt", new { owner = "team-z", tags = new Dictionary<string, string> { ["k"] = "v" } });
        // The latest version waits while older ones are approved and registered: the model's row keeps the latest's status.
        await app.As("dana").PostAsync($"/api/v1/models/rebuilt/versions/{await app.RegisterAsync("rebuilt", parentVersion: 2)}/submit", null);
        var before = await SnapshotAsync();

        await app.Services.GetRequiredService<EventStore.EventStore>().RebuildProjectionsAsync(["models"]);

        Assert.Equal(before, await SnapshotAsync());
        Assert.Contains("team-z", before, StringComparison.Ordinal);
        Assert.Contains("\"latest_status\":\"pending-approval\"", before, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migration_0050_gives_models_projected_before_it_the_status_of_their_latest_version()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestCluster.CreateEmptyDatabaseAsync("migrate0050"));
        var migrations = Migrator.Embedded();
        await new Migrator(dataSource, [.. migrations.Where(m => string.CompareOrdinal(m.Name, "0050") < 0)]).MigrateAsync();
        await using (var projectedBefore = dataSource.CreateCommand("""
            INSERT INTO registry.models (name, risk_tier, created_by, created_at, updated_at, revision, latest_version, last_position)
            VALUES ('no-versions', 'low', 'dana', now(), now(), 1, 0, 1), ('waiting', 'low', 'dana', now(), now(), 1, 2, 6);
            INSERT INTO registry.model_versions (model, version, status, artifact_uri, artifact_sha256, registered_by, registered_at)
            VALUES ('waiting', 1, 'approved', 's3://a', 'aa', 'dana', now()), ('waiting', 2, 'pending-approval', 's3://b', 'bb', 'dana', now());
            """))
        {
            await projectedBefore.ExecuteNonQueryAsync();
        }

        await new Migrator(dataSource, migrations).MigrateAsync();

        await using var read = dataSource.CreateCommand("SELECT string_agg(name || '=' || coalesce(latest_status, 'none'), ',' ORDER BY name) FROM registry.models");
        Assert.Equal("no-versions=none,waiting=pending-approval", await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Concurrent_registrations_on_one_model_get_dense_version_numbers_and_none_fails()
    {
        await app.CreateModelAsync("contended");

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            app.As(i % 2 == 0 ? "dana" : "dave").PostAsJsonAsync("/api/v1/models/contended/versions", RegistryApiFixture.VersionBody(notes: $"run {i}"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var versions = await Task.WhenAll(responses.Select(async r => (await r.JsonAsync()).GetProperty("version").GetInt32()));
        Assert.Equal(Enumerable.Range(1, 12), versions.Order());
    }

    [Fact]
    public async Task Reads_from_the_tables_equal_the_state_folded_from_the_log()
    {
        await app.CreateModelAsync("two-paths", "high");
        var v1 = await app.ApprovedVersionAsync("two-paths");
        await app.DeployAsync("two-paths", v1, "staging");
        await app.As("dana").PatchJsonAsync("/api/v1/models/two-paths", new { tags = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" } });
        var later = Uri.EscapeDataString(DateTime.UtcNow.AddDays(1).ToString("O"));

        foreach (var url in new[] { "/api/v1/models/two-paths", $"/api/v1/models/two-paths/versions/{v1}" })
        {
            var fromTables = System.Text.Json.Nodes.JsonNode.Parse(await app.As("audrey").GetStringAsync(url));
            var folded = System.Text.Json.Nodes.JsonNode.Parse(await app.As("audrey").GetStringAsync($"{url}?asOf={later}"));
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(fromTables, folded), $"{url}\n{fromTables}\n{folded}");
        }
    }

    [Fact]
    public async Task Lineage_from_the_tables_equals_the_lineage_folded_from_the_log()
    {
        await app.CreateModelAsync("lineage-paths");
        var v1 = await app.ApprovedVersionAsync("lineage-paths");
        await app.DeployAsync("lineage-paths", v1, "staging");
        await app.DeployAsync("lineage-paths", v1, "production");
        var v2 = await app.RegisterAsync("lineage-paths", datasetSha: Hashes.B, parentVersion: v1);
        await app.DeployAsync("lineage-paths", v2, "staging");
        var v3 = await app.RegisterAsync("lineage-paths", datasetSha: Hashes.A, parentVersion: v2);
        await app.DeployAsync("lineage-paths", v1, "staging");
        await app.DeployAsync("lineage-paths", v3, "staging");
        var later = Uri.EscapeDataString(DateTime.UtcNow.AddDays(1).ToString("O"));

        foreach (var version in new[] { v1, v2, v3 })
        {
            var url = $"/api/v1/models/lineage-paths/versions/{version}/lineage";
            var fromTables = System.Text.Json.Nodes.JsonNode.Parse(await app.As("audrey").GetStringAsync(url));
            var folded = System.Text.Json.Nodes.JsonNode.Parse(await app.As("audrey").GetStringAsync($"{url}?asOf={later}"));
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(fromTables, folded), $"{url}\n{fromTables}\n{folded}");
        }

        var graph = await app.As("audrey").GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/models/lineage-paths/versions/{v3}/lineage");
        Assert.Equal(3, graph.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("kind").GetString() == "version"));
        Assert.Contains(graph.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("id").GetString() == $"deployment:lineage-paths@{v3}#5");
    }

    [Fact]
    public async Task Registrations_committed_together_read_the_same_from_the_tables_as_folded_from_the_log()
    {
        string[] models = ["together-a", "together-b", "together-c"];
        foreach (var model in models)
        {
            await app.CreateModelAsync(model);
            await app.RegisterAsync(model);
        }

        // Many registrations at once on several models: the store commits them in shared batches,
        // whose registrations the projection writes with set-based statements.
        var responses = await Task.WhenAll(Enumerable.Range(0, 18).Select(i =>
            app.As("dana").PostAsJsonAsync($"/api/v1/models/{models[i % 3]}/versions", RegistryApiFixture.VersionBody(
                datasetSha: i % 2 == 0 ? Hashes.A : Hashes.B, parentVersion: i % 4 == 0 ? null : 1, notes: $"run {i}"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        var later = Uri.EscapeDataString(DateTime.UtcNow.AddDays(1).ToString("O"));
        foreach (var model in models)
        {
            foreach (var url in Enumerable.Range(1, 7).Select(v => $"/api/v1/models/{model}/versions/{v}").Prepend($"/api/v1/models/{model}"))
            {
                var fromTables = System.Text.Json.Nodes.JsonNode.Parse(await app.As("audrey").GetStringAsync(url));
                var folded = System.Text.Json.Nodes.JsonNode.Parse(await app.As("audrey").GetStringAsync($"{url}?asOf={later}"));
                Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(fromTables, folded), $"{url}\n{fromTables}\n{folded}");
            }

            await using var command = app.DataSource.CreateCommand("""
                SELECT (SELECT latest_version FROM registry.models WHERE name = $1),
                       (SELECT count(*) FROM registry.version_datasets WHERE model = $1),
                       (SELECT count(*) FROM registry.version_dependencies WHERE model = $1)
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = model });
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal((7, 7L, 7L), (reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
    }

    private async Task<string> SnapshotAsync()
    {
        var parts = new List<string>();
        foreach (var table in Tables)
        {
            await using var command = app.DataSource.CreateCommand($"SELECT coalesce(json_agg(t)::text, '[]') FROM (SELECT * FROM registry.{table}) t");
            parts.Add((string)(await command.ExecuteScalarAsync())!);
        }

        return string.Join("\n", parts);
    }
}
