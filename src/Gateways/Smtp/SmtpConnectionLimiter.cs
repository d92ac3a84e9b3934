using System.Collections.Concurrent;
using System.Net;

namespace RestMail.Gateways.Smtp;

/// <summary>Counts open SMTP connections per client IP address (on this node) against a limit.</summary>
public sealed class SmtpConnectionLimiter
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    /// <summary>Takes a slot for the address, or returns false when it already has <paramref name="limit"/> connections.</summary>
    public bool TryAcquire(IPAddress address, int limit)
    {
        while (true)
        {
            var current = _open.GetOrAdd(address, 0);
            if (current >= limit)
                return false;
            if (_open.TryUpdate(address, current + 1, current))
                return true;
        }
    }

    public void Release(IPAddress address)
    {
        while (true)
        {
            var current = _open.GetValueOrDefault(address);
            if (current <= 1)
            {
                if (_open.TryRemove(new KeyValuePair<IPAddress, int>(address, current)) || current == 0)
                    return;
            }
            else if (_open.TryUpdate(address, current - 1, current))
            {
                return;
            }
        }
    }
}
