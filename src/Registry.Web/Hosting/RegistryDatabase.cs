// Where the registry's PostgreSQL comes from: `ConnectionStrings:Registry` when configured,
// otherwise a private cluster under .data/ started with the host and stopped with it.
using Npgsql;
using Registry.EventStore.Hosting;
using Registry.EventStore.Migrations;

namespace Registry.Web.Hosting;

public static class RegistryDatabaseHosting
{
    /// <summary>Registers the data source and the migrator; starts the embedded cluster when no connection string is set.</summary>
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

        var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
        dataSourceBuilder.ConnectionStringBuilder.ApplicationName ??= "registry-web";
        builder.Services.AddSingleton(_ => dataSourceBuilder.Build());
        builder.Services.AddSingleton(sp => new Migrator(sp.GetRequiredService<NpgsqlDataSource>()));
        if (embedded is not null)
        {
            builder.Services.AddSingleton(embedded);
        }

        return embedded;
    }

    /// <summary>Applies pending migrations before the host serves anything; stops the embedded cluster with the host.</summary>
    public static async Task PrepareRegistryDatabaseAsync(this WebApplication app, EmbeddedPostgres? embedded)
    {
        if (embedded is not null)
        {
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                NpgsqlConnection.ClearAllPools();
                embedded.Stop();
            });
        }

        var report = await app.Services.GetRequiredService<Migrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
        if (report.Applied.Count > 0)
        {
            app.Logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", report.Applied));
        }
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
