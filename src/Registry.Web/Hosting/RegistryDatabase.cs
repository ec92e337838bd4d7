// Where the registry's PostgreSQL comes from: `ConnectionStrings:Registry` when configured,
// otherwise a private cluster under .data/ started with the host and stopped with it. The host
// migrates with that (owner) connection before anything else, then runs every connection as the
// least-privileged application role (Registry:Database:ApplicationRole, `registry_app` by default)
// when it exists and the owner may assume it: INSERT and SELECT on the log, so not even a
// compromised host can rewrite history.
using Npgsql;
using Registry.EventStore.Hosting;
using Registry.EventStore.Migrations;

namespace Registry.Web.Hosting;

/// <summary>What start-up did to the database: the migrations it applied, and the role the host's connections run as (null: the connecting user's own, for the reason given).</summary>
public sealed record RegistryDatabaseState(MigrationReport Migrations, string? ApplicationRole, string? RoleNotUsedBecause);

public static class RegistryDatabaseHosting
{
    public const string DefaultApplicationRole = "registry_app";

    /// <summary>
    /// Starts the embedded cluster when no connection string is set, applies pending migrations with the
    /// configured connection, and registers the data source (as the application role when it may) and the migrator.
    /// </summary>
    public static async Task<EmbeddedPostgres?> AddRegistryDatabaseAsync(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Registry");
        EmbeddedPostgres? embedded = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var dataRoot = builder.Configuration["Registry:DataDirectory"] ?? Path.Combine(RepositoryRoot.Find(), ".data");
            embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
            {
                DataDirectory = Path.Combine(dataRoot, "postgres"),
                Port = builder.Configuration.GetValue("Registry:Postgres:Port", 0),
                BinDirectory = builder.Configuration["Registry:Postgres:BinDirectory"],
            });
            connectionString = embedded.ConnectionString;
            builder.Configuration["ConnectionStrings:Registry"] = connectionString;
            builder.Configuration["Registry:EmbeddedDatabase"] = "true";
            Console.WriteLine($"Embedded PostgreSQL started: pid {embedded.ProcessId}, port {embedded.Port}, data {embedded.DataDirectory}");
        }

        MigrationReport migrations;
        string? role;
        string? notUsedBecause;
        var owner = new NpgsqlDataSourceBuilder(connectionString);
        owner.ConnectionStringBuilder.ApplicationName ??= "registry-web";
        try
        {
            await using var ownerDataSource = owner.Build();
            // Up to date is only a read, so a host that connects without rights to migrate still starts.
            var migrator = new Migrator(ownerDataSource);
            migrations = await migrator.IsUpToDateAsync() ? new MigrationReport([], []) : await migrator.MigrateAsync();
            (role, notUsedBecause) = await ApplicationRoleAsync(ownerDataSource, builder.Configuration.GetValue("Registry:Database:ApplicationRole", DefaultApplicationRole));
        }
        catch
        {
            // The host will not start; leave no embedded cluster behind.
            if (embedded is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await embedded.StopAsync();
            }

            throw;
        }

        var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
        dataSourceBuilder.ConnectionStringBuilder.ApplicationName ??= "registry-web";
        dataSourceBuilder.ConnectionStringBuilder.UseAutomaticPreparation();

        if (role is not null)
        {
            // A startup parameter rather than SET ROLE after opening: resetting a pooled connection
            // (RESET ALL) returns to it, so no connection ever goes back to the owner's rights.
            dataSourceBuilder.ConnectionStringBuilder.Options = $"{dataSourceBuilder.ConnectionStringBuilder.Options} -c role={role}".Trim();
        }

        builder.Services.AddSingleton(_ => dataSourceBuilder.Build());
        builder.Services.AddSingleton(sp => new Migrator(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(new RegistryDatabaseState(migrations, role, notUsedBecause));
        if (embedded is not null)
        {
            builder.Services.AddSingleton(embedded);
        }

        return embedded;
    }

    /// <summary>
    /// The role to run as: <paramref name="configured"/> when it exists and the connecting user may assume
    /// it and is not already it; otherwise null and why not. An empty <paramref name="configured"/> keeps the connecting user.
    /// </summary>
    public static async Task<(string? Role, string? NotUsedBecause)> ApplicationRoleAsync(NpgsqlDataSource owner, string? configured, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return (null, "Registry:Database:ApplicationRole is empty");
        }

        if (!configured.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new InvalidOperationException($"Registry:Database:ApplicationRole is \"{configured}\"; a role name here is lower-case letters, digits and _");
        }

        await using var connection = await owner.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT current_user::text, r.oid IS NOT NULL,
                   r.oid IS NOT NULL AND has_table_privilege(r.oid, 'registry.events', 'INSERT') AND has_table_privilege(r.oid, 'registry.log_head', 'UPDATE')
            FROM (SELECT 1) AS one LEFT JOIN pg_roles r ON r.rolname = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = configured });
        string user;
        bool exists, granted;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (user, exists, granted) = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
        }

        if (user == configured)
        {
            return (null, $"the connecting user already is {configured}");
        }

        if (!exists)
        {
            return (null, $"the role {configured} does not exist (the migrations create it only when {user} may create roles; see docs/operations.md)");
        }

        if (!granted)
        {
            // Switching would leave the host unable to append; the migrations grant only a role they created.
            return (null, $"the role {configured} may not append to registry.events (see migrations/0003_app_role.sql for its grants)");
        }

        // Trying is the only test that holds on every version (PostgreSQL 16 separates membership from SET).
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using var assume = new NpgsqlCommand($"SET LOCAL ROLE {configured}", connection, transaction);
            await assume.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return (null, $"{user} may not assume the role {configured} (GRANT {configured} TO {user})");
        }
        finally
        {
            await transaction.RollbackAsync(cancellationToken);
        }

        return (configured, null);
    }

    /// <summary>Says which role the host runs as; stops the embedded cluster with the host.</summary>
    public static Task PrepareRegistryDatabaseAsync(this WebApplication app, EmbeddedPostgres? embedded)
    {
        if (embedded is not null)
        {
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                NpgsqlConnection.ClearAllPools();
                embedded.Stop();
            });
        }

        var state = app.Services.GetRequiredService<RegistryDatabaseState>();
        if (state.Migrations.Applied.Count > 0)
        {
            app.Logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", state.Migrations.Applied));
        }

        if (state.ApplicationRole is { } role)
        {
            app.Logger.LogInformation("Database connections run as the role {Role}", role);
        }
        else
        {
            app.Logger.LogWarning("Database connections keep the connecting user's rights: {Reason}", state.RoleNotUsedBecause);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Finds the repository root (the folder holding Registry.sln), so .data/ and appsettings land in one place whatever the working directory.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Registry.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
