// `Registry:Demo` (default: on for the embedded database, off otherwise): seed the demo into a
// registry that has no models and no demo accounts yet, then print the demo sign-ins at every start.
using Dapper;
using Npgsql;
using Registry.EventStore.Checkpoints;

namespace Registry.Web.Features.Demo;

public static class DemoHosting
{
    public static IServiceCollection AddRegistryDemo(this IServiceCollection services) => services.AddScoped<DemoSeed>();

    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>("Registry:Demo") ?? string.Equals(configuration["Registry:EmbeddedDatabase"], "true", StringComparison.OrdinalIgnoreCase);

    public static async Task UseRegistryDemoAsync(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration))
        {
            return;
        }

        var cancellationToken = app.Lifetime.ApplicationStopping;
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var usernames = DemoSeed.People.Select(p => p.Username).ToArray();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            var empty = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT NOT EXISTS (SELECT 1 FROM registry.models) AND NOT EXISTS (SELECT 1 FROM registry.users WHERE username = ANY(@usernames))",
                new { usernames }, cancellationToken: cancellationToken));
            if (empty)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<DemoSeed>().SeedAsync(cancellationToken);
                app.Logger.LogInformation("Seeded the demo in {Elapsed:0} ms", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                // End on a signed checkpoint, so the integrity page and the dashboard have one to show at once.
                if (app.Services.GetService<CheckpointSigner>() is { } signer)
                {
                    await signer.SignAsync(cancellationToken);
                }
            }

            var present = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT username FROM registry.users WHERE username = ANY(@usernames)", new { usernames }, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
            if (present.Count > 0)
            {
                Console.WriteLine(SignIns(present));
            }
        }
    }

    /// <summary>The demo sign-ins as printed at start-up.</summary>
    public static string SignIns(IReadOnlySet<string> present)
    {
        var lines = new System.Text.StringBuilder();
        lines.AppendLine().AppendLine("Demo sign-ins (password for all: " + DemoSeed.Password + "):");
        foreach (var person in DemoSeed.People.Where(p => present.Contains(p.Username)))
        {
            lines.Append("  ").Append(person.Username.PadRight(8)).Append(' ').Append(person.Role.PadRight(15)).Append(' ').AppendLine(person.DisplayName);
        }

        return lines.ToString();
    }
}
