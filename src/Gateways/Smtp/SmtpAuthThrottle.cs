using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace RestMail.Gateways.Smtp;

/// <summary>
/// Failed AUTH attempts per client IP address (on this node): after
/// <see cref="SmtpOptions.MaxAuthFailures"/> failures within <see cref="SmtpOptions.AuthBanDuration"/>
/// the address is banned for that long; a success clears its count.
/// </summary>
public sealed class SmtpAuthThrottle(IOptions<SmtpOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();

    public bool IsBanned(IPAddress address) =>
        _entries.TryGetValue(address, out var entry) && entry.IsBanned(time.GetUtcNow());

    /// <summary>Counts a failure; true when the address is banned from now on.</summary>
    public bool RecordFailure(IPAddress address)
    {
        var settings = options.Value;
        var entry = _entries.GetOrAdd(address, _ => new Entry());
        var banned = entry.Fail(time.GetUtcNow(), settings.MaxAuthFailures, settings.AuthBanDuration);
        PruneExpired();
        return banned;
    }

    public void RecordSuccess(IPAddress address) => _entries.TryRemove(address, out _);

    private void PruneExpired()
    {
        if (_entries.Count < 1024)
            return;
        var now = time.GetUtcNow();
        foreach (var (address, entry) in _entries)
        {
            if (entry.IsExpired(now))
                _entries.TryRemove(address, out _);
        }
    }

    private sealed class Entry
    {
        private readonly Lock _lock = new();
        private int _failures;
        private DateTimeOffset _windowEnd;
        private DateTimeOffset _bannedUntil;

        public bool IsBanned(DateTimeOffset now)
        {
            lock (_lock)
                return now < _bannedUntil;
        }

        public bool IsExpired(DateTimeOffset now)
        {
            lock (_lock)
                return now >= _bannedUntil && now >= _windowEnd;
        }

        public bool Fail(DateTimeOffset now, int maxFailures, TimeSpan window)
        {
            lock (_lock)
            {
                if (now >= _windowEnd)
                {
                    _failures = 0;
                    _windowEnd = now + window;
                }
                if (++_failures >= maxFailures)
                {
                    _bannedUntil = now + window;
                    _failures = 0;
                }
                return now < _bannedUntil;
            }
        }
    }
}
