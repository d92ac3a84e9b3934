using Microsoft.Extensions.Diagnostics.HealthChecks;
using RestMail.Storage.Hosting;

namespace RestMail.Silo.Health;

/// <summary>Healthy when every enabled listener has reported that it accepts connections.</summary>
internal sealed class ListenersHealthCheck(IListenerReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var listeners = readiness.Snapshot();
        var waiting = listeners.Where(l => !l.Value).Select(l => l.Key).Order(StringComparer.Ordinal).ToList();
        var data = listeners.ToDictionary(l => l.Key, l => (object)(l.Value ? "ready" : "not ready"));
        return Task.FromResult(waiting.Count == 0
            ? HealthCheckResult.Healthy("Every listener is ready.", data)
            : HealthCheckResult.Unhealthy($"Not ready: {string.Join(", ", waiting)}.", data: data));
    }
}
