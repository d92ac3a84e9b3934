namespace RestMail.Grains.Queue;

/// <summary>
/// Caps the SMTP connections one silo has open to one destination domain at a time
/// (RestMail:Outbound:MaxConnectionsPerDomain), as Postfix's destination concurrency limit does:
/// a burst to one provider queues here instead of tripping its rate limits. A domain's slot
/// counter exists only while someone holds or waits for it.
/// </summary>
internal sealed class DestinationLimiter(int maxPerDestination)
{
    private readonly Dictionary<string, Slots> _slots = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Waits for a free connection slot for <paramref name="destination"/>; dispose the result to free it.</summary>
    public async Task<IDisposable> AcquireAsync(string destination, CancellationToken cancellationToken)
    {
        Slots slots;
        lock (_slots)
        {
            if (!_slots.TryGetValue(destination, out slots!))
                _slots[destination] = slots = new Slots(maxPerDestination);
            slots.Users++;
        }
        try
        {
            await slots.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(destination, slots);
            throw;
        }
        return new Lease(this, destination, slots);
    }

    /// <summary>How many hold or wait for a slot of <paramref name="destination"/> (for tests and metrics).</summary>
    public int UsersOf(string destination)
    {
        lock (_slots)
            return _slots.TryGetValue(destination, out var slots) ? slots.Users : 0;
    }

    private void Leave(string destination, Slots slots)
    {
        lock (_slots)
        {
            if (--slots.Users == 0)
            {
                _slots.Remove(destination);
                slots.Semaphore.Dispose();
            }
        }
    }

    private sealed class Slots(int max)
    {
        public SemaphoreSlim Semaphore { get; } = new(max, max);

        public int Users { get; set; }
    }

    private sealed class Lease(DestinationLimiter owner, string destination, Slots slots) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            slots.Semaphore.Release();
            owner.Leave(destination, slots);
        }
    }
}
