using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Grains.Delivery;
using RestMail.Storage.Blobs;
using RestMail.Storage.Hosting;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Sends a DSN to the envelope sender, with the null sender as its own envelope sender: through the
/// acceptance path for a local sender (into their Inbox), through the queue for a remote one. Never
/// to the null sender, and only for the recipients whose NOTIFY asks for this kind of report
/// (RFC 3461 §4.1; without NOTIFY: failures and delays).
/// </summary>
internal sealed partial class DsnSender(
    BlobStore blobs, OutboundQueue queue, IGrainFactory grains, IOptions<RestMailOptions> host, TimeProvider time, ILogger<DsnSender> logger)
{
    /// <summary>Reports on a queue entry's recipients; the delay report says until when it is retried.</summary>
    public Task SendAsync(QueueEntry entry, DsnAction action, IReadOnlyList<QueueRecipient> recipients, byte[] original, CancellationToken cancellationToken,
        DateTimeOffset? retryUntil = null)
    {
        var wanted = recipients.Where(r => r.Requested().Wants(NotifyOnFor(action)))
            .Select(r => new DsnRecipient(r.Address, r.OriginalRecipient, r.LastError, r.LastAttemptAt))
            .ToList();
        return SendAsync(new DsnReport(entry.MailFrom, action, wanted, entry.CreatedAt,
            entry.Id.ToString(CultureInfo.InvariantCulture), entry.EnvelopeId, entry.ReturnFullMessage, retryUntil), original, cancellationToken);
    }

    /// <summary>Sends one report as built; nothing when it names no recipient or the sender is the null sender.</summary>
    public async Task SendAsync(DsnReport report, byte[] original, CancellationToken cancellationToken)
    {
        if (report.Recipients.Count == 0 || string.IsNullOrEmpty(report.Sender))
            return;
        var dsn = DsnBuilder.Build(host.Value.EffectiveHostname, report, original, time.GetUtcNow());
        var content = await blobs.StoreAsync(dsn, cancellationToken);
        var accepted = await grains.GetGrain<IDeliveryGrain>(0).AcceptAsync(new InboundMessage
        {
            MailFrom = "",
            Recipients = [report.Sender],
            Content = content,
            Source = MessageSource.Smtp,
        });
        var status = accepted.Recipients[0].Status;
        if (status == RecipientStatus.Rejected)
        {
            // Not a local address: mail it back like any other outbound message.
            var queued = await queue.EnqueueAsync(null, "", [report.Sender], content, null, cancellationToken);
            LogDsn(report.Action, report.QueueId, report.Sender, queued is null ? "not queued" : $"queued as {queued}");
        }
        else
        {
            LogDsn(report.Action, report.QueueId, report.Sender, status.ToString());
        }
    }

    internal static NotifyOn NotifyOnFor(DsnAction action) => action switch
    {
        DsnAction.Failed => NotifyOn.Failure,
        DsnAction.Delayed => NotifyOn.Delay,
        _ => NotifyOn.Success,
    };

    [LoggerMessage(EventId = 2210, Level = LogLevel.Information, Message = "DSN ({Action}) for message {QueueId} to {Sender}: {Outcome}")]
    private partial void LogDsn(DsnAction action, string? queueId, string sender, string outcome);
}
