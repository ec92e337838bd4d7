using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Registry.Web.Tests.Features;

public sealed class VersionsApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task A_version_another_replica_registered_behind_this_ones_cached_state_is_seen_and_numbering_continues_after_it()
    {
        await app.CreateModelAsync("two-replicas");
        await app.RegisterAsync("two-replicas"); // this replica now holds the model's state in its cache
        var stream = Core.Models.ModelEventJson.StreamOf("two-replicas");
        await using (var otherReplica = new EventStore.EventStore(app.DataSource, [new EventStore.Projections.ModelProjection()], new EventStore.EventStoreOptions { Origin = "registry.test" }, TimeProvider.System))
        {
            var registered = new Core.Models.VersionRegistered(
                2, new Core.Models.Artifact("s3://models/other.onnx", Hashes.B, null), [], [],
                new Dictionary<string, System.Text.Json.JsonElement>(), new Dictionary<string, double>(), null, null, "from the other replica", "dave");
            var version = await otherReplica.GetStreamVersionAsync(stream);
            Assert.IsType<EventStore.AppendResult.Appended>(await otherReplica.AppendAsync(
                stream, version, [new EventStore.NewEvent(nameof(Core.Models.VersionRegistered), Core.Models.ModelEventJson.Serialize(registered))], new EventStore.AppendMetadata("dave", "corr-other")));
        }

        var response = await app.As("dana").PostAsJsonAsync("/api/v1/models/two-replicas/versions", RegistryApiFixture.VersionBody(parentVersion: 2));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(3, (await response.JsonAsync()).GetProperty("version").GetInt32());
        var second = await (await app.As("audrey").GetAsync("/api/v1/models/two-replicas/versions/2")).JsonAsync();
        Assert.Equal("from the other replica", second.GetProperty("notes").GetString());
        var third = await (await app.As("audrey").GetAsync("/api/v1/models/two-replicas/versions/3?asOf=" + Uri.EscapeDataString(DateTime.UtcNow.AddDays(1).ToString("O")))).JsonAsync();
        Assert.Equal(2, third.GetProperty("parentVersion").GetInt32());
    }

    [Fact]
    public async Task Registering_answers_201_with_model_version_and_status_and_numbers_versions_per_model()
    {
        await app.CreateModelAsync("numbered");
        await app.CreateModelAsync("other");

        var first = await app.As("dana").PostAsJsonAsync("/api/v1/models/numbered/versions", RegistryApiFixture.VersionBody());
        var second = await app.As("dave").PostAsJsonAsync("/api/v1/models/numbered/versions", RegistryApiFixture.VersionBody(parentVersion: 1));
        var otherFirst = await app.RegisterAsync("other");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var body = await first.JsonAsync();
        Assert.Equal(("numbered", 1, "registered"), (body.GetProperty("model").GetString(), body.GetProperty("version").GetInt32(), body.GetProperty("status").GetString()));
        Assert.Equal("/api/v1/models/numbered/versions/1", first.Headers.Location?.OriginalString);
        Assert.Equal(2, (await second.JsonAsync()).GetProperty("version").GetInt32());
        Assert.Equal(1, otherFirst);
    }

    [Fact]
    public async Task A_version_reads_back_with_everything_registered_and_its_status()
    {
        await app.CreateModelAsync("readback");
        await app.RegisterAsync("readback", notes: "line one");

        var version = await (await app.As("audrey").GetAsync("/api/v1/models/readback/versions/1")).JsonAsync();

        Assert.Equal("registered", version.GetProperty("status").GetString());
        Assert.Equal(Hashes.C, version.GetProperty("artifact").GetProperty("sha256").GetString());
        Assert.Equal(Hashes.A, version.GetProperty("datasets")[0].GetProperty("sha256").GetString());
        Assert.Equal("scikit-learn", version.GetProperty("dependencies")[0].GetProperty("name").GetString());
        Assert.Equal(6, version.GetProperty("parameters").GetProperty("depth").GetInt32());
        Assert.True(version.GetProperty("parameters").GetProperty("bootstrap").GetBoolean());
        Assert.Equal(0.81, version.GetProperty("metrics").GetProperty("auc").GetDouble());
        Assert.Equal("abc123", version.GetProperty("source").GetProperty("commit").GetString());
        Assert.Equal("dana", version.GetProperty("registeredBy").GetString());
        Assert.Equal("line one", version.GetProperty("notes").GetString());
    }

    [Fact]
    public async Task Listing_versions_pages_newest_first_and_filters_by_status()
    {
        await app.CreateModelAsync("listed");
        for (var i = 0; i < 3; i++)
        {
            await app.RegisterAsync("listed");
        }

        await app.As("dana").PostAsync("/api/v1/models/listed/versions/2/submit", null);

        var page = await (await app.As("audrey").GetAsync("/api/v1/models/listed/versions?pageSize=2")).JsonAsync();
        var pending = await (await app.As("audrey").GetAsync("/api/v1/models/listed/versions?status=pending-approval")).JsonAsync();

        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal([3, 2], page.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(2, Assert.Single(pending.GetProperty("items").EnumerateArray()).GetProperty("version").GetInt32());
        await (await app.As("audrey").GetAsync("/api/v1/models/nothing-here/versions")).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("audrey").GetAsync("/api/v1/models/listed/versions?status=maybe")).ProblemAsync(HttpStatusCode.BadRequest, "status");
    }

    public static TheoryData<string, string> BadBodies()
    {
        JsonObject With(Action<JsonObject> change)
        {
            var body = RegistryApiFixture.VersionBody();
            change(body);
            return body;
        }

        return new()
        {
            { With(b => b["artifact"]!["sha256"] = "XYZ").ToJsonString(), "artifact.sha256" },
            { With(b => b.Remove("artifact")).ToJsonString(), "artifact" },
            { With(b => b["datasets"]![0]!["sha256"] = Hashes.A.ToUpperInvariant()).ToJsonString(), "datasets[0].sha256" },
            { With(b => b["datasets"]![0]!["role"] = "holdout").ToJsonString(), "datasets[0].role" },
            { With(b => b["datasets"]![0]!["rows"] = "many").ToJsonString(), "datasets[0].rows" },
            { With(b => b["dependencies"]![0]!["version"] = "").ToJsonString(), "dependencies[0].version" },
            { With(b => b["parameters"]!["nested"] = new JsonObject { ["a"] = 1 }).ToJsonString(), "parameters.nested" },
            { With(b => b["metrics"]!["auc"] = "high").ToJsonString(), "metrics.auc" },
            { With(b => b["parentVersion"] = 9).ToJsonString(), "parentVersion" },
        };
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_registration_is_400_naming_the_field_and_appends_nothing(string body, string field)
    {
        await app.CreateModelAsync("bad-" + Math.Abs(field.GetHashCode(StringComparison.Ordinal)));
        var before = await app.EventCountAsync();

        var response = await app.As("dana").PostRawAsync($"/api/v1/models/bad-{Math.Abs(field.GetHashCode(StringComparison.Ordinal))}/versions", body);

        await response.ProblemAsync(HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Registering_for_an_unknown_model_is_404_and_for_an_approver_403()
    {
        await app.CreateModelAsync("guarded");
        var before = await app.EventCountAsync();

        await (await app.As("dana").PostAsJsonAsync("/api/v1/models/ghost/versions", RegistryApiFixture.VersionBody())).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("ivan").PostAsJsonAsync("/api/v1/models/guarded/versions", RegistryApiFixture.VersionBody())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous().PostAsJsonAsync("/api/v1/models/guarded/versions", RegistryApiFixture.VersionBody())).StatusCode);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Submitting_makes_a_version_pending_and_a_second_submit_is_409()
    {
        await app.CreateModelAsync("submitted");
        await app.RegisterAsync("submitted");

        var first = await app.As("dave").PostAsync("/api/v1/models/submitted/versions/1/submit", null);
        var before = await app.EventCountAsync();
        var second = await app.As("dave").PostAsync("/api/v1/models/submitted/versions/1/submit", null);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var submitted = await first.JsonAsync();
        Assert.Equal("pending-approval", submitted.GetProperty("status").GetString());
        Assert.Equal("dave", submitted.GetProperty("submittedBy").GetString());
        await second.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.EventCountAsync());
        await (await app.As("dave").PostAsync("/api/v1/models/submitted/versions/7/submit", null)).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_version_read_as_of_before_its_submission_is_still_registered()
    {
        await app.CreateModelAsync("asof-version");
        await app.RegisterAsync("asof-version");
        var registeredAt = (await (await app.As("dana").GetAsync("/api/v1/models/asof-version/versions/1")).JsonAsync()).GetProperty("registeredAt").GetDateTime();
        await Task.Delay(20);
        await app.As("dana").PostAsync("/api/v1/models/asof-version/versions/1/submit", null);

        var then = await (await app.As("audrey").GetAsync($"/api/v1/models/asof-version/versions/1?asOf={Uri.EscapeDataString(registeredAt.AddTicks(5).ToString("O"))}")).JsonAsync();

        Assert.Equal("registered", then.GetProperty("status").GetString());
        await (await app.As("audrey").GetAsync("/api/v1/models/asof-version/versions/2")).ProblemAsync(HttpStatusCode.NotFound);
    }
}
