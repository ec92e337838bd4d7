// Keeps checkpoints coming in the running product: one at start, one every Registry:Checkpoints:Interval
// (default 5 minutes, only when the log grew), and one right after each approval decision, deployment and
// rollback decision or completion, woken by the feed's LISTEN/NOTIFY. A signed checkpoint is what lets an
// auditor prove later that the history they were shown has not been rewritten, so the events that matter
// most should not wait for the next round.
using Registry.Core.Models;
using Registry.EventStore;
using Registry.EventStore.Checkpoints;

namespace Registry.Web.Features.Integrity;

/// <summary>What <see cref="CheckpointSchedule"/> does, from <c>Registry:Checkpoints</c>.</summary>
public sealed record CheckpointScheduleOptions(bool Enabled, TimeSpan Interval, bool AfterSignificantEvents)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(5);

    /// <summary>The event types a checkpoint follows at once: approval decisions, deployments, rollback decisions and completions.</summary>
    public static readonly IReadOnlySet<string> SignificantTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(ApprovalRecorded),
        nameof(VersionApproved),
        nameof(VersionRejected),
        nameof(DeploymentRecorded),
        nameof(RollbackApproved),
        nameof(RollbackRejected),
        nameof(RollbackCompleted),
    };

    /// <summary>Reads <c>Registry:Checkpoints:Enabled</c> (default true), <c>:Interval</c> (a TimeSpan, default 00:05:00; 0 = no schedule) and <c>:AfterSignificantEvents</c> (default true).</summary>
    public static CheckpointScheduleOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Registry:Checkpoints");
        var interval = section["Interval"] is { Length: > 0 } text
            ? TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= TimeSpan.Zero
                ? parsed
                : throw new InvalidOperationException($"Registry:Checkpoints:Interval is \"{text}\"; expected a duration such as 00:05:00 (or 0 for no schedule)")
            : DefaultInterval;
        return new CheckpointScheduleOptions(section.GetValue("Enabled", true), interval, section.GetValue("AfterSignificantEvents", true));
    }

    public static bool IsSignificant(StoredEvent e) => SignificantTypes.Contains(e.Type);
}

public sealed class CheckpointSchedule(CheckpointSigner signer, CheckpointScheduleOptions options, TimeProvider time, ILogger<CheckpointSchedule> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the first signature.
        await Task.Yield();
        var interval = options.Interval == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : options.Interval;
        Func<StoredEvent, bool> signAfter = options.AfterSignificantEvents ? CheckpointScheduleOptions.IsSignificant : _ => false;
        logger.LogInformation("Signing checkpoints every {Interval} and after significant events: {AfterSignificantEvents}", options.Interval == TimeSpan.Zero ? "(never)" : options.Interval, options.AfterSignificantEvents);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signer.RunAsync(interval, signAfter, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // RunAsync rides out database outages itself; anything else must not stop the host
                // (checkpoints can still be signed on demand), so say so and start over.
                logger.LogError(e, "Checkpoint signing stopped unexpectedly; restarting in 10 s");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }
}
