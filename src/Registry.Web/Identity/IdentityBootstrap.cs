// The first administrator. With Registry:Bootstrap:AdminToken the built-in `admin` account exists
// for the token to act as. Without it, on a database with no accounts, `admin` gets a generated
// password written once to the log output: the only way in that needs no configuration.
using System.Security.Cryptography;
using Registry.Core.Identity;
using Registry.EventStore;

namespace Registry.Web.Identity;

public static class IdentityBootstrap
{
    public static async Task EnsureAdminAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var accounts = app.Services.GetRequiredService<Accounts>();
        if (await accounts.FindUserAsync(BootstrapToken.AdminUsername, cancellationToken) is not null)
        {
            return;
        }

        var (_, total) = await accounts.ListUsersAsync(1, 1, cancellationToken);
        var generate = app.Services.GetRequiredService<BootstrapToken>().Sha256 is null && total == 0;
        var password = generate ? Base64UrlPassword() : null;
        var metadata = new AppendMetadata("system", "bootstrap-" + Guid.NewGuid().ToString("N"), Reason: "built-in administrator created at first start", Client: "registry-web");
        var outcome = await accounts.CreateUserAsync(BootstrapToken.AdminUsername, "Administrator", null, [Roles.Admin], password, AccountSources.Bootstrap, metadata, cancellationToken);
        if (outcome.Rejection is { Kind: UserRejectionKind.Conflict })
        {
            return; // another replica created it first
        }

        if (outcome.Rejection is { } rejection)
        {
            throw new InvalidOperationException("Could not create the built-in admin account: " + rejection.Detail);
        }

        if (password is not null)
        {
            app.Logger.LogWarning(
                "Created the built-in account 'admin' with the generated password {Password} . It is shown this once: sign in at /account/sign-in and change it at /account/password.",
                password);
        }
    }

    private static string Base64UrlPassword() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));
}
