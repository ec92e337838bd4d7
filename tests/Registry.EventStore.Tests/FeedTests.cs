namespace Registry.EventStore.Tests;

public sealed class FeedTests
{
    [Fact]
    public async Task A_subscriber_catches_up_then_wakes_for_new_events_without_polling()
    {
        await using var log = await TestLog.CreateAsync();
        await log.AppendAsync("s", 0, TestLog.Event("A"), TestLog.Event("B"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<long>();

        var subscriber = Task.Run(async () =>
        {
            await foreach (var e in log.Store.SubscribeAsync(afterPosition: 1, timeout.Token))
            {
                seen.Add(e.Position);
                if (e.Position == 4)
                {
                    return;
                }
            }
        });
        await Task.Delay(300);
        await log.AppendAsync("t", 0, TestLog.Event("C"), TestLog.Event("D"));
        var started = System.Diagnostics.Stopwatch.StartNew();
        await subscriber;

        Assert.Equal([2L, 3L, 4L], seen);
        // The safety-net poll is 30 s: arriving this fast means the notification woke it.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));
    }
}
