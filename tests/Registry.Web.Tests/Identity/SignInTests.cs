using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Registry.Core.Identity;
using Registry.Testing;

namespace Registry.Web.Tests.Identity;

public sealed class SignInTests(IdentityApp app) : IClassFixture<IdentityApp>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task The_right_password_signs_in_with_a_cookie_that_is_httponly_and_samesite_lax()
    {
        await CreateAsync("si-alice", Roles.Approver);
        using var browser = PortalSession.Start(app);

        var response = await browser.SignInAsync("si-alice", Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("registry.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        var me = await browser.Client.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal("si-alice", me.GetProperty("username").GetString());
        Assert.Equal(1, await CountAsync("si-alice", "SignedIn"));
    }

    [Fact]
    public async Task Twenty_wrong_passwords_lock_the_account_and_every_attempt_is_recorded_without_the_password()
    {
        await CreateAsync("si-bob", Roles.DataScientist);
        using var browser = PortalSession.Start(app);

        for (var i = 0; i < 20; i++)
        {
            var refused = await browser.SignInAsync("si-bob", $"guess-number-{i:D2}-xyz");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        var right = await browser.SignInAsync("si-bob", Password);

        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(21, await CountAsync("si-bob", "SignInFailed"));
        Assert.Equal(1, await CountAsync("si-bob", "AccountLockedOut"));
        Assert.Equal(0, await CountAsync("si-bob", "SignedIn"));
        await using var signIns = app.DataSource.CreateCommand("SELECT count(*) FROM registry.sign_ins WHERE username = 'si-bob' AND NOT succeeded");
        Assert.Equal(21L, await signIns.ExecuteScalarAsync());
        await using var leaked = app.DataSource.CreateCommand("SELECT count(*) FROM registry.events WHERE strpos(convert_from(envelope, 'UTF8'), 'guess-number') > 0 OR strpos(convert_from(envelope, 'UTF8'), 'horse battery') > 0");
        Assert.Equal(0L, await leaked.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_administrator_can_unlock_a_locked_account()
    {
        await CreateAsync("si-carol", Roles.Auditor);
        using var browser = PortalSession.Start(app);
        for (var i = 0; i < 5; i++)
        {
            await browser.SignInAsync("si-carol", "not the password at all");
        }

        using var admin = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync(new Uri("/api/v1/users/si-carol/unlock", UriKind.Relative), null)).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync("si-carol", Password)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_user_and_a_wrong_password_get_the_same_answer()
    {
        await CreateAsync("si-dave", Roles.Auditor);
        using var browser = PortalSession.Start(app);

        var unknown = await (await browser.SignInAsync("si-nobody", Password)).Content.ReadAsStringAsync();
        var wrong = await (await browser.SignInAsync("si-dave", "wrong password here")).Content.ReadAsStringAsync();

        Assert.Contains("Wrong username or password.", unknown, StringComparison.Ordinal);
        Assert.Contains("Wrong username or password.", wrong, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sign_in_post_without_the_antiforgery_token_is_refused()
    {
        await CreateAsync("si-erin", Roles.Auditor);
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.PostAsync(new Uri("/account/sign-in", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin", ["Form.Username"] = "si-erin", ["Form.Password"] = Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await CountAsync("si-erin", "SignedIn"));
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions()
    {
        await CreateAsync("si-frank", Roles.Auditor);
        using var laptop = PortalSession.Start(app);
        using var phone = PortalSession.Start(app);
        await laptop.SignInAsync("si-frank", Password);
        await phone.SignInAsync("si-frank", Password);

        var changed = await laptop.SubmitAsync("/account/password", "password", new Dictionary<string, string>
        {
            ["Form.Current"] = Password, ["Form.New"] = "a brand new passphrase", ["Form.Confirm"] = "a brand new passphrase",
        });

        Assert.Contains("Your password is changed.", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await laptop.Client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.Client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
        Assert.Equal(2, await CountAsync("si-frank", "PasswordChanged"));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_needs_the_antiforgery_token()
    {
        await CreateAsync("si-gina", Roles.Auditor);
        using var browser = PortalSession.Start(app);
        await browser.SignInAsync("si-gina", Password);
        var forged = await browser.Client.PostAsync(new Uri("/account/sign-out", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);

        var signedOut = await browser.SubmitAsync("/account/password", "/account/sign-out", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.GetAsync(new Uri("/api/v1/me", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_portal_page_that_needs_a_sign_in_redirects_to_the_sign_in_page()
    {
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(new Uri("/account/tokens", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_created_in_the_portal_is_shown_once_and_works()
    {
        await CreateAsync("si-hank", Roles.DataScientist);
        using var browser = PortalSession.Start(app);
        await browser.SignInAsync("si-hank", Password);

        var page = await (await browser.SubmitAsync("/account/tokens", "issue", new Dictionary<string, string> { ["Issue.Name"] = "laptop", ["Issue.Days"] = "30" })).Content.ReadAsStringAsync();

        var token = System.Text.RegularExpressions.Regex.Match(page, "rgt_[A-Za-z0-9_-]{43}").Value;
        using var client = app.CreateTokenClient(token);
        Assert.Equal("si-hank", (await client.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("username").GetString());
        Assert.DoesNotContain(token, await browser.Client.GetStringAsync(new Uri("/account/tokens", UriKind.Relative)), StringComparison.Ordinal);
    }

    private async Task CreateAsync(string username, params string[] roles)
    {
        using var admin = app.CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username, displayName = username, roles, password = Password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private async Task<int> CountAsync(string username, string type)
    {
        await using var command = app.DataSource.CreateCommand("SELECT count(*) FROM registry.events WHERE stream = $1 AND type = $2");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = "user-" + username });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = type });
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }
}

public sealed class SignInRateLimitTests(SignInRateLimitTests.Host app) : IClassFixture<SignInRateLimitTests.Host>
{
    public sealed class Host : IdentityApp
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Registry:SignIn:AttemptsPerMinute"] = "3" };
    }

    [Fact]
    public async Task Sign_in_attempts_beyond_the_rate_limit_get_429_before_any_password_is_checked()
    {
        using var browser = PortalSession.Start(app);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await browser.SignInAsync("nobody", "some password guess")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync(new Uri("/account/signin", UriKind.Relative))).StatusCode);
    }
}
