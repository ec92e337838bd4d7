using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Registry.EventStore.Checkpoints;
using Registry.Web.Features.Integrity;
using Registry.Web.Tests.Features;

namespace Registry.Web.Tests.Integrity;

/// <summary>The running host signs checkpoints by itself after the events that matter, without POST /integrity/checkpoints.</summary>
public sealed class CheckpointScheduleTests(CheckpointScheduleTests.Fixture app) : IClassFixture<CheckpointScheduleTests.Fixture>
{
    public sealed class Fixture : RegistryApiFixture
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Registry:Checkpoints:Enabled", "true");
            // No round falls due during a test: any checkpoint after the first follows an event.
            builder.UseSetting("Registry:Checkpoints:Interval", "1.00:00:00");
        }

        public CheckpointSigner Signer => Services.GetRequiredService<CheckpointSigner>();

        /// <summary>Waits (up to a generous bound, never measured) until the host has signed a checkpoint of at least <paramref name="treeSize"/> events.</summary>
        public async Task<Checkpoint> CheckpointCoveringAsync(long treeSize)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                if (await Signer.GetLatestAsync(CancellationToken.None) is { } latest && latest.TreeSize >= treeSize)
                {
                    return latest;
                }

                Assert.False(patience.IsCancellationRequested, $"no checkpoint covering {treeSize} events was signed; the latest covers {(await Signer.GetLatestAsync())?.TreeSize}");
                await Task.Delay(50, CancellationToken.None);
            }
        }

        /// <summary>
        /// Once the start-up checkpoint is signed (the only one the schedule makes in a test), registers and
        /// submits version 1 of a new model: events that sign nothing.
        /// </summary>
        public async Task SubmittedVersionAsync(string model)
        {
            await CheckpointCoveringAsync(0);
            await CreateModelAsync(model);
            var version = await RegisterAsync(model);
            Assert.Equal(HttpStatusCode.OK, (await As("dana").PostAsync(new Uri($"/api/v1/models/{model}/versions/{version}/submit", UriKind.Relative), null)).StatusCode);
        }
    }

    [Fact]
    public async Task Approving_a_version_signs_a_checkpoint_covering_the_approval()
    {
        await app.SubmittedVersionAsync("auto-checkpoint-approval");

        var approved = await app.As("ivan").PostAsJsonAsync(new Uri("/api/v1/models/auto-checkpoint-approval/versions/1/approvals", UriKind.Relative), new { decision = "approve", comment = "ok" });
        var size = await app.EventCountAsync();

        Assert.Equal(HttpStatusCode.Created, approved.StatusCode);
        var checkpoint = await app.CheckpointCoveringAsync(size);
        Assert.True(checkpoint.HasValidSignature());
        Assert.Equal(checkpoint.RootHash, await app.Services.GetRequiredService<EventStore.EventStore>().GetRootAsync(checkpoint.TreeSize));
    }

    [Fact]
    public async Task Recording_a_deployment_signs_a_checkpoint_covering_it()
    {
        await app.SubmittedVersionAsync("auto-checkpoint-deploy");

        await app.DeployAsync("auto-checkpoint-deploy", 1, "staging");
        var size = await app.EventCountAsync();

        var checkpoint = await app.CheckpointCoveringAsync(size);
        Assert.Equal(size, checkpoint.TreeSize);
        Assert.True(checkpoint.HasValidSignature());
    }

    [Fact]
    public void The_events_that_sign_at_once_are_approval_decisions_deployments_and_rollback_decisions()
    {
        Assert.Equal(
            ["ApprovalRecorded", "DeploymentRecorded", "RollbackApproved", "RollbackCompleted", "RollbackRejected", "VersionApproved", "VersionRejected"],
            CheckpointScheduleOptions.SignificantTypes.Order(StringComparer.Ordinal));
    }
}
