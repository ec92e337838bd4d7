// The whole web host over a fresh database, for HTTP, rendered-page and browser tests.
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Registry.Testing;

public class RegistryApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminToken = "test-bootstrap-admin-token-0123456789";

    private readonly string _signingKey = Path.Combine(Path.GetTempPath(), $"registry-key-{Guid.NewGuid():N}.pem");

    private readonly string? _existingDatabase;

    public RegistryApp()
    {
    }

    /// <summary>A host over a database that already exists (benchmarks share one generated at scale).</summary>
    protected RegistryApp(string existingConnectionString) => _existingDatabase = existingConnectionString;

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = _existingDatabase ?? await TestCluster.CreateDatabaseAsync(GetType().Name);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Registry", ConnectionString);
        builder.UseSetting("Registry:Bootstrap:AdminToken", AdminToken);
        builder.UseSetting("Registry:Demo", "false");
        builder.UseSetting("Registry:SigningKeyPath", _signingKey);
        builder.UseSetting("Registry:Origin", "registry.test");
        // Tests sign checkpoints when they mean to; a host that signs on its own is opted into.
        builder.UseSetting("Registry:Checkpoints:Enabled", "false");
    }

    /// <summary>A client authenticated as the built-in admin through the bootstrap token.</summary>
    public HttpClient CreateAdminClient() => CreateTokenClient(AdminToken);

    public HttpClient CreateTokenClient(string token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>How many events the log holds (for "a rejected request appends nothing").</summary>
    public async Task<long> EventCountAsync()
    {
        await using var command = DataSource.CreateCommand("SELECT count(*) FROM registry.events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await DataSource.DisposeAsync();
        File.Delete(_signingKey);
    }
}
