using Microsoft.Extensions.Logging;

namespace RestMail.Silo;

/// <summary>The host's log messages. Event ids 1000-1099: hosting; 1100-1199: health.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Starting embedded PostgreSQL under {Directory}")]
    public static partial void StartingEmbeddedPostgres(ILogger logger, string directory);

    [LoggerMessage(1001, LogLevel.Information, "Embedded PostgreSQL is listening on the unix socket in {SocketDirectory}")]
    public static partial void EmbeddedPostgresStarted(ILogger logger, string socketDirectory);

    [LoggerMessage(1002, LogLevel.Information, "Stopping embedded PostgreSQL")]
    public static partial void StoppingEmbeddedPostgres(ILogger logger);

    [LoggerMessage(1003, LogLevel.Information, "Using the PostgreSQL server at {Host}, database {Database}")]
    public static partial void UsingExternalPostgres(ILogger logger, string? host, string? database);

    [LoggerMessage(1004, LogLevel.Information, "Applied migrations {Versions}")]
    public static partial void MigrationsApplied(ILogger logger, string versions);

    [LoggerMessage(1005, LogLevel.Information, "Database schema is up to date")]
    public static partial void MigrationsUpToDate(ILogger logger);

    [LoggerMessage(1006, LogLevel.Information, "REST Mail {Hostname} is serving HTTP on {Addresses}")]
    public static partial void Serving(ILogger logger, string hostname, string addresses);

    [LoggerMessage(1007, LogLevel.Error, "Could not stop embedded PostgreSQL")]
    public static partial void EmbeddedPostgresStopFailed(ILogger logger, Exception exception);

    [LoggerMessage(1100, LogLevel.Warning, "PostgreSQL health check failed")]
    public static partial void PostgresUnhealthy(ILogger logger, Exception exception);
}
