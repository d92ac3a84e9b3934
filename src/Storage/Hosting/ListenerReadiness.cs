using System.Collections.Concurrent;

namespace RestMail.Storage.Hosting;

/// <summary>The process-wide readiness registry (a singleton).</summary>
public sealed class ListenerReadiness : IListenerReadiness
{
    private readonly ConcurrentDictionary<string, bool> _listeners = new(StringComparer.OrdinalIgnoreCase);

    public void Register(string listener) => _listeners.TryAdd(listener, false);

    public void SetReady(string listener, bool ready)
    {
        if (!_listeners.ContainsKey(listener))
            throw new InvalidOperationException($"Listener '{listener}' was never registered.");
        _listeners[listener] = ready;
    }

    public IReadOnlyDictionary<string, bool> Snapshot() => new Dictionary<string, bool>(_listeners, StringComparer.OrdinalIgnoreCase);
}
