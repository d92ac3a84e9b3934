namespace RestMail.Grains.Queue;

/// <summary>
/// Wakes this silo's <see cref="OutboundScheduler"/> when mail was queued here, so that it is
/// attempted at once rather than at the next poll. Other silos still find it by polling.
/// </summary>
internal sealed class OutboundQueueSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Something is due now; several notifications before a wait count as one.</summary>
    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>True when notified, false after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
