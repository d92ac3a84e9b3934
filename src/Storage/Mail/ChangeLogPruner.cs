using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace RestMail.Storage.Mail;

/// <summary>
/// Keeps the change log bounded: entries older than the retention are deleted and each account's
/// changes_floor moves up, so a client asking for older changes is told to resync (SSE 'resync',
/// /v1/changes resync_required) instead of silently missing some.
/// </summary>
public sealed partial class ChangeLogPruner(NpgsqlDataSource dataSource, ILogger<ChangeLogPruner> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Deletes entries older than <paramref name="retention"/>; returns how many.</summary>
    public async Task<int> PruneAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH pruned AS (
                DELETE FROM changes WHERE created_at < now() - $1 RETURNING account_id, modseq),
            floors AS (
                SELECT account_id, max(modseq) AS floor, count(*) AS n FROM pruned GROUP BY account_id),
            moved AS (
                UPDATE accounts a SET changes_floor = greatest(a.changes_floor, f.floor)
                FROM floors f WHERE a.id = f.account_id)
            SELECT coalesce(sum(n), 0)::int FROM floors
            """);
        command.Parameters.Add(new() { Value = retention });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var pruned = await PruneAsync(Retention, stoppingToken);
                if (pruned > 0)
                    LogPruned(pruned);
            }
            catch (NpgsqlException e)
            {
                LogFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Pruned {Count} change log entries past the retention")]
    private partial void LogPruned(int count);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "Change log pruning failed; it will run again")]
    private partial void LogFailed(Exception exception);
}
