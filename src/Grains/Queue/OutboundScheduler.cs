using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Drains the outbound queue: it keeps up to BatchSize entries in delivery, claiming due ones (FOR
/// UPDATE SKIP LOCKED, so several silos share the work) as soon as an attempt finishes, when mail is
/// queued on this silo (<see cref="OutboundQueueSignal"/>), and every PollInterval, when it also
/// takes back entries whose lease expired (their node died while delivering). Each entry's grain
/// makes the attempt. The schedule is the next_attempt_at column, so it survives restarts.
/// </summary>
/// <remarks>
/// Claiming per finished attempt rather than per batch: a message queued while a batch ran used to
/// wait for the whole batch, and for the next poll, before its first attempt.
/// </remarks>
internal sealed partial class OutboundScheduler(
    QueueStore store, IGrainFactory grains, OutboundQueueSignal signal, IOptions<OutboundOptions> options, ILogger<OutboundScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var inFlight = new HashSet<Task>();
        Task<bool>? wake = null;
        var sweep = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (sweep)
                    await store.ReleaseExpiredLeasesAsync(settings.Lease, stoppingToken);
                if (settings.BatchSize - inFlight.Count is > 0 and var free)
                {
                    foreach (var id in await store.ClaimDueAsync(free, stoppingToken))
                        inFlight.Add(AttemptAsync(id));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(e);
            }
            // One pending wait at a time, kept across rounds, so that no notification goes to a waiter nobody awaits.
            wake ??= signal.WaitAsync(settings.PollInterval, stoppingToken);
            await Task.WhenAny([wake, .. inFlight]);
            inFlight.RemoveWhere(t => t.IsCompleted);
            // A poll tick (the wait timed out rather than being notified) also sweeps expired leases.
            sweep = wake.IsCompletedSuccessfully && !wake.Result;
            if (wake.IsCompleted)
                wake = null;
        }
        // Attempts under way finish (they record their outcome); none is started any more.
        await Task.WhenAll(inFlight);
    }

    private async Task AttemptAsync(long id)
    {
        try
        {
            await grains.GetGrain<IQueueEntryGrain>(id).AttemptAsync();
        }
        catch (Exception e)
        {
            LogAttemptFailed(id, e);
            try
            {
                // Tried again after the first retry delay; if even this fails, the lease brings it back.
                await store.RequeueAsync(id, options.Value.DelayAfter(1), $"4.3.0 Internal error: {e.Message}", CancellationToken.None);
            }
            catch (Exception requeue) when (requeue is Npgsql.NpgsqlException or TimeoutException)
            {
                LogAttemptFailed(id, requeue);
            }
        }
    }

    [LoggerMessage(EventId = 2230, Level = LogLevel.Error, Message = "Outbound scheduler round failed")]
    private partial void LogRoundFailed(Exception exception);

    [LoggerMessage(EventId = 2231, Level = LogLevel.Error, Message = "Delivery attempt of queue entry {QueueId} failed")]
    private partial void LogAttemptFailed(long queueId, Exception exception);
}
