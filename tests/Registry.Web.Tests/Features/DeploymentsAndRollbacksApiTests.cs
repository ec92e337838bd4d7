using System.Net;
using System.Net.Http.Json;

namespace Registry.Web.Tests.Features;

public sealed class DeploymentsAndRollbacksApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    [Fact]
    public async Task Production_accepts_only_an_approved_version_and_appends_nothing_otherwise()
    {
        await app.CreateModelAsync("prod-gate");
        await app.RegisterAsync("prod-gate");
        var before = await app.EventCountAsync();

        var refused = await app.As("ivan").PostAsJsonAsync("/api/v1/models/prod-gate/deployments", new { version = 1, environment = "production" });
        var staging = await app.As("ivan").PostAsJsonAsync("/api/v1/models/prod-gate/deployments", new { version = 1, environment = "staging", reference = "pipeline-42" });

        await refused.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before + 1, await app.EventCountAsync());
        Assert.Equal(HttpStatusCode.Created, staging.StatusCode);
        Assert.Equal("pipeline-42", (await staging.JsonAsync()).GetProperty("reference").GetString());
    }

    [Fact]
    public async Task Deployment_failures_are_400_403_and_404()
    {
        await app.CreateModelAsync("deploy-fail");
        await app.RegisterAsync("deploy-fail");
        var before = await app.EventCountAsync();

        await (await app.As("ivan").PostAsJsonAsync("/api/v1/models/deploy-fail/deployments", new { version = 3, environment = "staging" })).ProblemAsync(HttpStatusCode.BadRequest, "version");
        await (await app.As("ivan").PostAsJsonAsync("/api/v1/models/deploy-fail/deployments", new { version = 1, environment = "Prod!" })).ProblemAsync(HttpStatusCode.BadRequest, "environment");
        await (await app.As("ivan").PostAsJsonAsync("/api/v1/models/ghost/deployments", new { version = 1, environment = "staging" })).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("dana").PostAsJsonAsync("/api/v1/models/deploy-fail/deployments", new { version = 1, environment = "staging" })).StatusCode);
        Assert.Equal(before, await app.EventCountAsync());
        Assert.Equal(HttpStatusCode.Created, (await app.As("admin").PostAsJsonAsync("/api/v1/models/deploy-fail/deployments", new { version = 1, environment = "staging" })).StatusCode);
    }

    [Fact]
    public async Task History_is_newest_first_per_environment_and_current_answers_as_of_a_time()
    {
        await app.CreateModelAsync("history-dep");
        var v1 = await app.ApprovedVersionAsync("history-dep");
        var v2 = await app.ApprovedVersionAsync("history-dep");
        await app.DeployAsync("history-dep", v1, "production");
        await app.DeployAsync("history-dep", v1, "staging");
        var firstAt = (await (await app.As("audrey").GetAsync("/api/v1/models/history-dep/deployments?environment=production")).JsonAsync()).GetProperty("items")[0].GetProperty("deployedAt").GetDateTime();
        await Task.Delay(20);
        await app.DeployAsync("history-dep", v2, "production");

        var production = await (await app.As("audrey").GetAsync("/api/v1/models/history-dep/deployments?environment=production")).JsonAsync();
        var all = await (await app.As("audrey").GetAsync("/api/v1/models/history-dep/deployments")).JsonAsync();
        var now = await (await app.As("audrey").GetAsync("/api/v1/models/history-dep/deployments/current")).JsonAsync();
        var then = await (await app.As("audrey").GetAsync($"/api/v1/models/history-dep/deployments/current?asOf={Uri.EscapeDataString(firstAt.AddTicks(5).ToString("O"))}")).JsonAsync();

        Assert.Equal([v2, v1], production.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("version").GetInt32()));
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        Assert.Equal(v2, now.GetProperty("production").GetProperty("version").GetInt32());
        Assert.Equal(v1, then.GetProperty("production").GetProperty("version").GetInt32());
        await (await app.As("audrey").GetAsync("/api/v1/models/ghost/deployments")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_rollback_is_requested_decided_by_someone_else_and_completed_by_the_deployment_that_carries_it_out()
    {
        await app.CreateModelAsync("rollme");
        var v1 = await app.ApprovedVersionAsync("rollme");
        var v2 = await app.ApprovedVersionAsync("rollme");
        await app.DeployAsync("rollme", v1, "production");
        await app.DeployAsync("rollme", v2, "production");

        var requested = await app.As("dual").PostAsJsonAsync("/api/v1/models/rollme/rollback-requests", new { environment = "production", reason = "latency regression" });
        Assert.Equal(HttpStatusCode.Created, requested.StatusCode);
        var request = await requested.JsonAsync();
        var id = request.GetProperty("id").GetString();
        Assert.Equal(("pending", v2, v1), (request.GetProperty("status").GetString(), request.GetProperty("fromVersion").GetInt32(), request.GetProperty("targetVersion").GetInt32()));

        var before = await app.EventCountAsync();
        await (await app.As("dual").PostAsJsonAsync($"/api/v1/rollback-requests/{id}/approve", new { comment = "x" })).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.EventCountAsync());

        var approved = await app.As("ivan").PostAsJsonAsync($"/api/v1/rollback-requests/{id}/approve", new { comment = "go" });
        Assert.Equal("approved", (await approved.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(v2, (await (await app.As("audrey").GetAsync("/api/v1/models/rollme/deployments/current")).JsonAsync()).GetProperty("production").GetProperty("version").GetInt32());

        await app.DeployAsync("rollme", v1, "production", id);

        var done = await (await app.As("audrey").GetAsync($"/api/v1/rollback-requests/{id}")).JsonAsync();
        Assert.Equal("completed", done.GetProperty("status").GetString());
        var listed = await (await app.As("audrey").GetAsync("/api/v1/models/rollme/rollback-requests")).JsonAsync();
        Assert.Equal(id, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_requester_may_not_decide_their_own_rollback()
    {
        await app.CreateModelAsync("own-rollback");
        var v1 = await app.ApprovedVersionAsync("own-rollback");
        var v2 = await app.ApprovedVersionAsync("own-rollback");
        await app.DeployAsync("own-rollback", v1, "production");
        await app.DeployAsync("own-rollback", v2, "production");
        var id = (await (await app.As("ivan").PostAsJsonAsync("/api/v1/models/own-rollback/rollback-requests", new { environment = "production", reason = "bad" })).JsonAsync()).GetProperty("id").GetString();
        var before = await app.EventCountAsync();

        var problem = await (await app.As("ivan").PostAsJsonAsync($"/api/v1/rollback-requests/{id}/reject", new { comment = "mine" })).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Contains("separation of duties", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await app.EventCountAsync());
        var rejected = await app.As("olga").PostAsJsonAsync($"/api/v1/rollback-requests/{id}/reject", new { comment = "not needed" });
        Assert.Equal("rejected", (await rejected.JsonAsync()).GetProperty("status").GetString());
        before = await app.EventCountAsync();
        await (await app.As("olga").PostAsJsonAsync($"/api/v1/rollback-requests/{id}/approve", new { comment = "changed my mind" })).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Rollback_failures_are_400_403_404_and_409()
    {
        await app.CreateModelAsync("rollback-fail");
        var v1 = await app.ApprovedVersionAsync("rollback-fail");
        var before = await app.EventCountAsync();

        await (await app.As("dana").PostAsJsonAsync("/api/v1/models/rollback-fail/rollback-requests", new { environment = "production", reason = "x" })).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.EventCountAsync());
        await app.DeployAsync("rollback-fail", v1, "production");
        before = await app.EventCountAsync();
        await (await app.As("dana").PostAsJsonAsync("/api/v1/models/rollback-fail/rollback-requests", new { environment = "production", reason = "x" })).ProblemAsync(HttpStatusCode.Conflict);
        await (await app.As("dana").PostAsJsonAsync("/api/v1/models/rollback-fail/rollback-requests", new { environment = "production" })).ProblemAsync(HttpStatusCode.BadRequest, "reason");
        await (await app.As("dana").PostAsJsonAsync("/api/v1/models/rollback-fail/rollback-requests", new { environment = "production", reason = "x", targetVersion = 9 })).ProblemAsync(HttpStatusCode.BadRequest, "targetVersion");
        await (await app.As("dana").PostAsJsonAsync("/api/v1/models/ghost/rollback-requests", new { environment = "production", reason = "x" })).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("audrey").PostAsJsonAsync("/api/v1/models/rollback-fail/rollback-requests", new { environment = "production", reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("carla").PostAsJsonAsync("/api/v1/rollback-requests/whatever/approve", new { comment = "x" })).StatusCode);
        await (await app.As("ivan").PostAsJsonAsync("/api/v1/rollback-requests/no-such-id/approve", new { comment = "x" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("ivan").GetAsync("/api/v1/rollback-requests/no-such-id")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(before, await app.EventCountAsync());
    }
}
