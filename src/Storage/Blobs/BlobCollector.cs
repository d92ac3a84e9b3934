using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RestMail.Storage.Blobs;

/// <summary>Removes blobs that no message or queue entry references any more, every few minutes.</summary>
public sealed partial class BlobCollector(BlobStore blobs, ILogger<BlobCollector> logger) : BackgroundService
{
    /// <summary>How long a blob stays after its last reference went, so in-flight deliveries can still use it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromHours(1);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = await blobs.CollectAsync(Grace, stoppingToken);
                if (removed > 0)
                    LogCollected(removed);
            }
            catch (Npgsql.NpgsqlException e)
            {
                LogFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Collected {Count} unreferenced blobs")]
    private partial void LogCollected(int count);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Blob collection failed; it will run again")]
    private partial void LogFailed(Exception exception);
}
