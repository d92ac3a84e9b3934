using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace RestMail.Silo.Health;

/// <summary>Healthy when PostgreSQL answers a query within a few seconds.</summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource, ILogger<PostgresHealthCheck> logger) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or System.Net.Sockets.SocketException or IOException)
        {
            Log.PostgresUnhealthy(logger, e);
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", e);
        }
    }
}
