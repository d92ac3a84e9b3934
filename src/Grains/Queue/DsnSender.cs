using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Grains.Delivery;
using RestMail.Storage.Blobs;
using RestMail.Storage.Hosting;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Sends a DSN for failed recipients to the entry's envelope sender, with the null sender as its
/// own envelope sender: through the acceptance path for a local sender (into their Inbox), through
/// the queue for a remote one. Never to the null sender.
/// </summary>
internal sealed partial class DsnSender(
    BlobStore blobs, OutboundQueue queue, IGrainFactory grains, IOptions<RestMailOptions> host, TimeProvider time, ILogger<DsnSender> logger)
{
    /// <summary>Tells the sender these recipients failed for good.</summary>
    public Task SendAsync(QueueEntry entry, IReadOnlyList<QueueRecipient> failed, byte[] original, CancellationToken cancellationToken) =>
        SendAsync(entry, failed, original, retryUntil: null, cancellationToken);

    /// <summary>Tells the sender these recipients are still being tried, until <paramref name="retryUntil"/>.</summary>
    public Task SendDelayAsync(QueueEntry entry, IReadOnlyList<QueueRecipient> deferred, byte[] original, DateTimeOffset retryUntil, CancellationToken cancellationToken) =>
        SendAsync(entry, deferred, original, retryUntil, cancellationToken);

    private async Task SendAsync(QueueEntry entry, IReadOnlyList<QueueRecipient> recipients, byte[] original, DateTimeOffset? retryUntil, CancellationToken cancellationToken)
    {
        if (recipients.Count == 0 || string.IsNullOrEmpty(entry.MailFrom))
            return;
        var dsn = DsnBuilder.Build(host.Value.EffectiveHostname, entry, recipients, original, time.GetUtcNow(), retryUntil);
        var content = await blobs.StoreAsync(dsn, cancellationToken);
        var accepted = await grains.GetGrain<IDeliveryGrain>(0).AcceptAsync(new InboundMessage
        {
            MailFrom = "",
            Recipients = [entry.MailFrom],
            Content = content,
            Source = MessageSource.Smtp,
        });
        var status = accepted.Recipients[0].Status;
        if (status == RecipientStatus.Rejected)
        {
            // Not a local address: mail it back like any other outbound message.
            var queued = await queue.EnqueueAsync(null, "", [entry.MailFrom], content, cancellationToken);
            LogDsn(entry.Id, entry.MailFrom, queued is null ? "not queued" : $"queued as {queued}");
        }
        else
        {
            LogDsn(entry.Id, entry.MailFrom, status.ToString());
        }
    }

    [LoggerMessage(EventId = 2210, Level = LogLevel.Information, Message = "DSN for queue entry {QueueId} to {Sender}: {Outcome}")]
    private partial void LogDsn(long queueId, string sender, string outcome);
}
