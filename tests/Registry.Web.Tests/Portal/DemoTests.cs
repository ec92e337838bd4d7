using System.Net;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Registry.Testing;
using Registry.Web.Features.Demo;

namespace Registry.Web.Tests.Portal;

public sealed class DemoTests(DemoTests.DemoApp app) : IClassFixture<DemoTests.DemoApp>
{
    public sealed class DemoApp : RegistryApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Registry:Demo", "true");
        }

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            _ = Server; // start the host: the seed runs at start-up
        }
    }

    [Fact]
    public async Task The_demo_seeds_three_models_with_approvals_one_rejection_deployments_and_a_completed_rollback()
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();

        var models = (await connection.QueryAsync<(string Name, string RiskTier)>("SELECT name, risk_tier FROM registry.models ORDER BY name")).ToList();
        Assert.Equal([("churn-classifier", "medium"), ("credit-risk-scorecard", "high"), ("demand-forecaster", "low")], models);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM registry.model_versions WHERE status = 'rejected'"));
        Assert.True(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM registry.model_versions WHERE status = 'pending-approval'") >= 2);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM registry.rollback_requests WHERE status = 'completed'"));
        Assert.Equal(["production", "staging"], await connection.QueryAsync<string>("SELECT DISTINCT environment FROM registry.current_deployments ORDER BY 1"));
    }

    [Fact]
    public async Task Every_demo_change_is_an_event_acted_by_the_demo_person_who_would_do_it()
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();

        var actors = (await connection.QueryAsync<(string Type, string Actor)>("SELECT type, actor FROM registry.events WHERE stream LIKE 'model-%'")).ToList();

        Assert.All(actors.Where(a => a.Type == "VersionRegistered"), a => Assert.Contains(a.Actor, new[] { "zoe", "hanako" }));
        Assert.All(actors.Where(a => a.Type == "ApprovalRecorded"), a => Assert.Contains(a.Actor, new[] { "olga", "diego", "amara" }));
        Assert.Contains(actors, a => a is { Type: "RollbackCompleted" });
    }

    [Fact]
    public async Task Demo_people_cover_every_role_with_names_in_several_scripts()
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();

        var people = (await connection.QueryAsync<(string Username, string DisplayName, string[] Roles)>("SELECT username, display_name, roles FROM registry.users")).ToList();

        foreach (var role in Registry.Core.Identity.Roles.All)
        {
            Assert.Contains(people, p => p.Roles.Contains(role));
        }

        Assert.Contains(people, p => p.DisplayName == "山田 花子");
        Assert.Contains(people, p => p.DisplayName == "Ольга Петрова");
        Assert.Contains(people, p => p.DisplayName == "Zoë Ångström-Łukasz");
    }

    [Fact]
    public async Task A_demo_person_signs_in_with_the_printed_password_and_sees_their_name()
    {
        var signIns = DemoHosting.SignIns(DemoSeed.People.Select(p => p.Username).ToHashSet());
        using var browser = new Browser(app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false }));

        var form = await browser.GetAsync("/account/sign-in");
        await browser.SubmitAsync(form, "form[method=post]", new Dictionary<string, string> { ["Form.Username"] = "olga", ["Form.Password"] = DemoSeed.Password });
        var dashboard = await browser.GetAsync("/");

        Assert.Contains(DemoSeed.Password, signIns, StringComparison.Ordinal);
        Assert.All(DemoSeed.People, p => Assert.Contains(p.Username, signIns, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, dashboard.Status);
        Assert.Equal("Ольга Петрова", dashboard.One("[data-username='olga']")!.TextContent);
        Assert.NotEmpty(dashboard.All("[data-pending]"));
    }
}
