using RestMail.Grains.Queue;

namespace RestMail.Tests.Outbound;

public sealed class DestinationLimiterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_destination_gets_at_most_its_limit_and_other_destinations_are_not_held_up()
    {
        var limiter = new DestinationLimiter(2);
        var first = await limiter.AcquireAsync("example.org", Ct);
        var second = await limiter.AcquireAsync("EXAMPLE.org", Ct);

        var third = limiter.AcquireAsync("example.org", Ct);
        var elsewhere = await limiter.AcquireAsync("example.net", Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(third.IsCompleted, "a third connection to one domain waits");
        Assert.Equal(3, limiter.UsersOf("example.org"));

        first.Dispose();
        first.Dispose();
        using var granted = await third.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        second.Dispose();
        elsewhere.Dispose();
        Assert.Equal(1, limiter.UsersOf("example.org"));
        Assert.Equal(0, limiter.UsersOf("example.net"));
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_no_slot_behind()
    {
        var limiter = new DestinationLimiter(1);
        var held = await limiter.AcquireAsync("example.org", Ct);
        using var cancel = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync("example.org", cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();

        Assert.Equal(0, limiter.UsersOf("example.org"));
        using var again = await limiter.AcquireAsync("example.org", Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }
}
