using System.Net;
using System.Net.Http.Json;

namespace Registry.Web.Tests.Features;

public sealed class ApprovalsApiTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    private async Task<string> PendingAsync(string model, string riskTier = "low", string registeredBy = "dana", string submittedBy = "dana")
    {
        await app.CreateModelAsync(model, riskTier);
        await app.RegisterAsync(model, registeredBy);
        Assert.Equal(HttpStatusCode.OK, (await app.As(submittedBy).PostAsync($"/api/v1/models/{model}/versions/1/submit", null)).StatusCode);
        return $"/api/v1/models/{model}/versions/1/approvals";
    }

    [Fact]
    public async Task One_approver_approves_a_low_risk_version_and_the_rule_is_shown()
    {
        var url = await PendingAsync("low-risk");

        var response = await app.As("ivan").PostAsJsonAsync(url, new { decision = "approve", comment = "tested in staging" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var version = await response.JsonAsync();
        Assert.Equal("approved", version.GetProperty("status").GetString());
        Assert.Equal("low risk: 1 approver", version.GetProperty("decisionRule").GetProperty("description").GetString());
        var approval = Assert.Single(version.GetProperty("approvals").EnumerateArray());
        Assert.Equal(("ivan", "approver", "tested in staging"), (approval.GetProperty("approver").GetString(), approval.GetProperty("capacity").GetString(), approval.GetProperty("comment").GetString()));
    }

    [Fact]
    public async Task A_high_risk_version_needs_an_approver_and_a_compliance_sign_off()
    {
        var url = await PendingAsync("high-risk", "high");

        var afterApprover = await (await app.As("ivan").PostAsJsonAsync(url, new { decision = "approve", comment = "ok" })).JsonAsync();
        var afterCompliance = await (await app.As("carla").PostAsJsonAsync(url, new { decision = "approve", comment = "compliant" })).JsonAsync();

        Assert.Equal("pending-approval", afterApprover.GetProperty("status").GetString());
        Assert.Equal("approved", afterCompliance.GetProperty("status").GetString());
        Assert.Equal("high risk: 1 approver and 1 compliance sign-off", afterCompliance.GetProperty("decisionRule").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Whoever_registered_a_version_cannot_approve_it_even_holding_the_approver_role()
    {
        var url = await PendingAsync("sod-registered", registeredBy: "dual");
        var before = await app.EventCountAsync();

        var response = await app.As("dual").PostAsJsonAsync(url, new { decision = "approve", comment = "mine" });

        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("separation of duties", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Whoever_submitted_a_version_cannot_approve_it()
    {
        var url = await PendingAsync("sod-submitted", submittedBy: "dual");
        var before = await app.EventCountAsync();

        await (await app.As("dual").PostAsJsonAsync(url, new { decision = "reject", comment = "mine" })).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Approving_a_version_that_is_not_pending_is_409_and_appends_nothing()
    {
        await app.CreateModelAsync("not-pending");
        await app.RegisterAsync("not-pending");
        var before = await app.EventCountAsync();

        var response = await app.As("ivan").PostAsJsonAsync("/api/v1/models/not-pending/versions/1/approvals", new { decision = "approve", comment = "early" });

        await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task Approval_failures_are_400_403_and_404()
    {
        var url = await PendingAsync("approval-failures");
        var before = await app.EventCountAsync();

        await (await app.As("ivan").PostAsJsonAsync(url, new { decision = "maybe", comment = "x" })).ProblemAsync(HttpStatusCode.BadRequest, "decision");
        await (await app.As("ivan").PostAsJsonAsync(url, new { decision = "approve" })).ProblemAsync(HttpStatusCode.BadRequest, "comment");
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("dana").PostAsJsonAsync(url, new { decision = "approve", comment = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("audrey").PostAsJsonAsync(url, new { decision = "approve", comment = "x" })).StatusCode);
        await (await app.As("ivan").PostAsJsonAsync("/api/v1/models/approval-failures/versions/5/approvals", new { decision = "approve", comment = "x" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("ivan").PostAsJsonAsync("/api/v1/models/nobody-knows/versions/1/approvals", new { decision = "approve", comment = "x" })).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task A_rejection_decides_the_version_rejected()
    {
        var url = await PendingAsync("rejected-one", "high");

        var version = await (await app.As("carla").PostAsJsonAsync(url, new { decision = "reject", comment = "no bias review" })).JsonAsync();

        Assert.Equal("rejected", version.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_pending_queue_lists_the_longest_waiting_first()
    {
        await PendingAsync("queue-first");
        await PendingAsync("queue-second");

        var queue = await (await app.As("audrey").GetAsync("/api/v1/approvals/pending?pageSize=500")).JsonAsync();
        var names = queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("model").GetString()).ToList();

        Assert.True(names.IndexOf("queue-first") < names.IndexOf("queue-second"), string.Join(",", names));
    }
}
