using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Drains the outbound queue: every PollInterval it takes back entries whose lease expired (their
/// node died while delivering), claims the due ones (FOR UPDATE SKIP LOCKED, so several silos can
/// share the work) and has each entry's grain attempt it. The schedule is the next_attempt_at
/// column, so it survives restarts.
/// </summary>
internal sealed partial class OutboundScheduler(
    QueueStore store, IGrainFactory grains, IOptions<OutboundOptions> options, ILogger<OutboundScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.PollInterval);
        do
        {
            try
            {
                while (!stoppingToken.IsCancellationRequested && await RunOnceAsync(settings, stoppingToken) == settings.BatchSize)
                {
                    // A full batch: there may be more due right away.
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(e);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<int> RunOnceAsync(OutboundOptions settings, CancellationToken stoppingToken)
    {
        await store.ReleaseExpiredLeasesAsync(settings.Lease, stoppingToken);
        var due = await store.ClaimDueAsync(settings.BatchSize, stoppingToken);
        await Task.WhenAll(due.Select(AttemptAsync));
        return due.Count;
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
