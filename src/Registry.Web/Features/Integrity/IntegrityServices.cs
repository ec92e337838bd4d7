// What the integrity pages need: the checkpoint history reader, the verifier (and its record) and the signer,
// plus the schedule that keeps signing (Registry:Checkpoints). The signer's key lives at
// Registry:SigningKeyPath (contract), by default beside the embedded data.
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Registry.EventStore;
using Registry.EventStore.Checkpoints;
using Registry.Web.Hosting;

namespace Registry.Web.Features.Integrity;

public static class IntegrityServices
{
    public static IServiceCollection AddIntegrityPages(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<CheckpointHistory>();
        services.TryAddSingleton(sp => new LogVerifier(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton(sp => new CheckpointSigner(
            sp.GetRequiredService<EventStore.EventStore>(),
            SigningKeyPath(configuration),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Verifications>();
        var schedule = CheckpointScheduleOptions.From(configuration);
        if (schedule.Enabled)
        {
            services.AddSingleton(schedule);
            services.AddHostedService<CheckpointSchedule>();
        }

        return services;
    }

    public static string SigningKeyPath(IConfiguration configuration) =>
        configuration["Registry:SigningKeyPath"] is { Length: > 0 } path
            ? path
            : Path.Combine(configuration["Registry:DataDirectory"] ?? Path.Combine(RepositoryRoot.Find(), ".data"), "signing-key.pem");
}
