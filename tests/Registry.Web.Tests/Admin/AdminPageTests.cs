using System.Net;
using Registry.Testing;

namespace Registry.Web.Tests.Admin;

/// <summary>/admin and /admin/users/{username} over HTTP: users, roles, tokens and webhooks, and who may not.</summary>
public sealed class AdminPageTests(AdminPageTests.Fixture fixture) : IClassFixture<AdminPageTests.Fixture>
{
    public sealed class Fixture : RegistryApp
    {
        public Persona Admin { get; private set; } = null!;

        public Persona Scientist { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Admin = await this.CreateAsync("ada", "Ada Admin", "admin");
            Scientist = await this.CreateAsync("sol", "Sol <b>Scientist</b>", "data-scientist");
        }
    }

    [Fact]
    public async Task An_admin_adds_a_user_with_roles_and_lands_on_their_page()
    {
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);
        var before = await fixture.EventCountAsync();

        var posted = await client.SubmitFormAsync("/admin", "form#create-user",
            ("NewUsername", "zhang.wei"), ("NewDisplayName", "张伟"), ("NewRoles", "approver"), ("NewRoles", "compliance"), ("NewPassword", Personas.Password));

        Assert.Equal(HttpStatusCode.Redirect, posted.Status);
        Assert.Equal("/admin/users/zhang.wei?created=1", posted.RedirectTarget);
        var page = await client.GetPageAsync("/admin/users/zhang.wei?created=1");
        Assert.Contains("张伟", page.Document.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("The account was created.", page.Text, StringComparison.Ordinal);
        Assert.True(page.Document.QuerySelector("#role-approver")!.HasAttribute("checked"));
        Assert.True(page.Document.QuerySelector("#role-compliance")!.HasAttribute("checked"));
        Assert.False(page.Document.QuerySelector("#role-admin")!.HasAttribute("checked"));
        Assert.Equal(1, await fixture.CountAsync($"position > {before} AND type = 'UserCreated' AND actor = 'ada' AND stream = 'user-zhang.wei'"));
    }

    [Fact]
    public async Task A_taken_username_is_refused_with_409_and_nothing_is_appended()
    {
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);
        var before = await fixture.EventCountAsync();

        var posted = await client.SubmitFormAsync("/admin", "form#create-user", ("NewUsername", "sol"), ("NewDisplayName", "Another Sol"));

        Assert.Equal(HttpStatusCode.Conflict, posted.Status);
        Assert.NotNull(posted.Document.QuerySelector("#create-error"));
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task Granting_and_revoking_roles_records_who_did_it()
    {
        await fixture.CreateAsync("ravi", "Ravi", "auditor");
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);

        var posted = await client.SubmitFormAsync("/admin/users/ravi", "form#roles", ("SelectedRoles", "approver"));

        Assert.Equal(HttpStatusCode.OK, posted.Status);
        Assert.Contains("Granted: approver.", posted.Text, StringComparison.Ordinal);
        Assert.Contains("Revoked: auditor.", posted.Text, StringComparison.Ordinal);
        Assert.Equal(1, await fixture.CountAsync("type = 'RolesGranted' AND actor = 'ada' AND stream = 'user-ravi'"));
        Assert.Equal(1, await fixture.CountAsync("type = 'RolesRevoked' AND actor = 'ada' AND stream = 'user-ravi'"));
    }

    [Fact]
    public async Task A_token_is_shown_once_works_on_the_API_and_stops_working_when_revoked()
    {
        await fixture.CreateAsync("ci.bot", "CI bot", "data-scientist");
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);

        var issued = await client.SubmitFormAsync("/admin/users/ci.bot", "form#issue-token", ("TokenName", "nightly"));
        var token = issued.Document.QuerySelector("#new-token-value")!.GetAttribute("value")!;
        var again = await client.GetPageAsync("/admin/users/ci.bot");

        Assert.Equal(HttpStatusCode.OK, issued.Status);
        Assert.Equal("no-store", issued.Response.Headers.CacheControl?.ToString());
        Assert.Null(again.Document.QuerySelector("#new-token-value"));
        Assert.DoesNotContain(token, again.Text, StringComparison.Ordinal);
        using var bot = fixture.CreateTokenClient(token);
        Assert.Equal(HttpStatusCode.OK, (await bot.GetAsync(new Uri("/api/v1/models", UriKind.Relative))).StatusCode);

        var id = again.Document.QuerySelector("button[name=RevokeTokenId][aria-label='Revoke token nightly']")!.GetAttribute("value")!;
        var revoked = await client.SubmitFormAsync("/admin/users/ci.bot", "form#revoke-token", ("RevokeTokenId", id));

        Assert.Contains($"Token {id} revoked", revoked.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bot.GetAsync(new Uri("/api/v1/models", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_webhook_is_registered_with_its_secret_shown_once_and_removed()
    {
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);

        var added = await client.SubmitFormAsync("/admin", "form#add-webhook", ("WebhookUrl", "https://ci.example/hooks/registry"), ("WebhookEvents", "VersionApproved, DeploymentRecorded"));

        Assert.Equal(HttpStatusCode.OK, added.Status);
        Assert.Matches("^.{16,}$", added.Document.QuerySelector("#new-webhook-secret")!.GetAttribute("value")!);
        var row = added.Document.QuerySelectorAll("tr[data-webhook]").Single(r => r.TextContent.Contains("https://ci.example/hooks/registry", StringComparison.Ordinal));
        Assert.Contains("VersionApproved, DeploymentRecorded", row.TextContent, StringComparison.Ordinal);

        var removed = await client.SubmitFormAsync("/admin", "form#remove-webhook", ("RemoveWebhookId", row.GetAttribute("data-webhook")!));

        var after = removed.Document.QuerySelector($"tr[data-webhook='{row.GetAttribute("data-webhook")}']")!;
        Assert.NotNull(after.QuerySelector("[data-state=removed]"));
        Assert.Null(after.QuerySelector("button[name=RemoveWebhookId]"));
    }

    [Fact]
    public async Task A_webhook_that_is_not_a_URL_is_refused_with_the_reason()
    {
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);

        var added = await client.SubmitFormAsync("/admin", "form#add-webhook", ("WebhookUrl", "ftp://files.example/x"), ("WebhookEvents", "*"));

        Assert.Equal(HttpStatusCode.BadRequest, added.Status);
        Assert.Contains("http or https", added.Text, StringComparison.Ordinal);
        Assert.Null(added.Document.QuerySelector("#new-webhook-secret"));
    }

    [Fact]
    public async Task Only_admins_see_the_admin_pages_and_a_forged_post_changes_nothing()
    {
        using var scientist = fixture.CreateTokenClient(fixture.Scientist.Token);
        var before = await fixture.EventCountAsync();

        var page = await scientist.GetAsync(new Uri("/admin", UriKind.Relative));
        var user = await scientist.GetAsync(new Uri("/admin/users/ada", UriKind.Relative));
        var forged = await scientist.ForgePostAsync("/audit", "/admin", ("_handler", "create-user"), ("NewUsername", "mallory"), ("NewDisplayName", "Mallory"), ("NewRoles", "admin"));

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        Assert.Equal(before, await fixture.EventCountAsync());
    }

    [Fact]
    public async Task Display_names_are_encoded_on_every_admin_page()
    {
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);

        var list = await client.GetAsync(new Uri("/admin", UriKind.Relative));
        var one = await client.GetPageAsync("/admin/users/sol");

        Assert.DoesNotContain("<b>Scientist</b>", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Sol <b>Scientist</b>", one.Document.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        Assert.Null(one.Document.QuerySelector("h1 b"));
    }

    [Fact]
    public async Task An_unknown_user_is_a_404_with_a_way_back()
    {
        using var client = fixture.CreateTokenClient(fixture.Admin.Token);

        var page = await client.GetPageAsync("/admin/users/nobody-here");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.NotNull(page.Document.QuerySelector("main a[href='/admin']"));
    }
}
