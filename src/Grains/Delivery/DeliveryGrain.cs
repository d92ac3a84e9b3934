using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;
using RestMail.Grains.Delivery;
using RestMail.Grains.Domains;
using RestMail.Grains.Mailboxes;
using RestMail.Grains.Queue;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;
using RestMail.Storage.Mail;

namespace RestMail.Grains.Delivery;

/// <summary>
/// The acceptance path shared by SMTP, submission, the REST API and federation: filters, then
/// recipient resolution, local delivery through each mailbox grain, the sender's Sent copy and
/// durable queueing of remote recipients. Answers only after every store it reports has committed.
/// </summary>
// Reentrant: it keeps no state, and each call spends most of its time awaiting mailbox commits.
// Without it a stateless worker runs one call at a time per activation (one per core), and every
// SMTP session and API request in the silo would queue behind one or two group commits.
[StatelessWorker]
[Reentrant]
internal sealed partial class DeliveryGrain(
    DirectoryStore directory,
    BlobStore blobs,
    OutboundQueue queue,
    IEnumerable<IMessageFilter> filters,
    DsnSender dsn,
    MailQueries queries,
    TimeProvider time,
    ILogger<DeliveryGrain> logger) : Grain, IDeliveryGrain
{
    public async Task<AcceptResult> AcceptAsync(InboundMessage message)
    {
        var cancellationToken = CancellationToken.None;
        foreach (var filter in filters)
        {
            var verdict = await filter.InspectAsync(message, cancellationToken);
            switch (verdict.Action)
            {
                case FilterAction.Continue:
                    continue;
                case FilterAction.Discard:
                    // Accepted and dropped on purpose: report delivered, store nothing.
                    return new AcceptResult { Recipients = [.. message.Recipients.Select(r => new RecipientResult { Address = r, Status = RecipientStatus.Delivered })] };
                default:
                    var status = verdict.Action == FilterAction.Reject ? RecipientStatus.Rejected : RecipientStatus.TemporaryFailure;
                    return new AcceptResult { Recipients = [.. message.Recipients.Select(r => new RecipientResult { Address = r, Status = status })] };
            }
        }

        var resolutions = await ResolveAsync(message, cancellationToken);
        var results = new RecipientResult?[resolutions.Count];
        var mayRelay = message.SenderAccountId is not null && message.Source is MessageSource.Api or MessageSource.Submission;

        // Local recipients: one delivery per account, however many of its addresses were named.
        var localAccounts = new List<long>();
        var remote = new List<int>();
        for (var i = 0; i < resolutions.Count; i++)
        {
            var r = resolutions[i];
            if (r.TooLarge)
            {
                results[i] = new RecipientResult { Address = r.Address, Status = RecipientStatus.Rejected };
            }
            else if (r.AccountId is { } accountId)
            {
                if (!localAccounts.Contains(accountId))
                    localAccounts.Add(accountId);
            }
            else if (r.LocalDomain)
            {
                results[i] = new RecipientResult { Address = r.Address, Status = RecipientStatus.UnknownRecipient };
            }
            else if (!mayRelay)
            {
                // No open relay: only authenticated users may send to other domains.
                results[i] = new RecipientResult { Address = r.Address, Status = RecipientStatus.Rejected };
            }
            else
            {
                remote.Add(i);
            }
        }

        // A small message may still carry its bytes (BlobStore.PrepareAsync): a single mailbox's
        // transaction writes them; for several copies, a queue entry or a Sent copy they are stored once first.
        var content = message.Content;
        if (localAccounts.Count > 1 || remote.Count > 0 || mayRelay)
            content = await blobs.EnsureStoredAsync(content, cancellationToken);
        var local = localAccounts.ToDictionary(id => id, id => GrainFactory.GetGrain<IMailboxGrain>(id).DeliverAsync(new DeliveryRequest { Content = content }));

        long? queueId = null;
        if (remote.Count > 0)
        {
            queueId = await queue.EnqueueAsync(
                message.SenderAccountId, message.MailFrom ?? "", [.. remote.Select(i => resolutions[i].Address)], content, message.Notifications,
                cancellationToken);
            foreach (var i in remote)
                results[i] = new RecipientResult { Address = resolutions[i].Address, Status = queueId is null ? RecipientStatus.TemporaryFailure : RecipientStatus.Queued };
        }

        await Task.WhenAll(local.Values);
        for (var i = 0; i < resolutions.Count; i++)
        {
            if (results[i] is null && resolutions[i].AccountId is { } accountId)
            {
                var delivered = local[accountId].Result;
                results[i] = new RecipientResult
                {
                    Address = resolutions[i].Address,
                    Status = ToRecipientStatus(delivered.Status),
                    MessageId = delivered.Status == DeliveryStatus.Stored ? delivered.MessageId : null,
                    AccountId = accountId,
                };
            }
        }

        await ReportDeliveryAsync(message, results!, cancellationToken);

        long? sentCopy = null;
        if (mayRelay && results.Any(r => r!.Status is RecipientStatus.Delivered or RecipientStatus.Queued))
        {
            var copy = await GrainFactory.GetGrain<IMailboxGrain>(message.SenderAccountId!.Value).DeliverAsync(new DeliveryRequest
            {
                Content = content,
                Role = FolderRole.Sent,
                Flags = MessageFlags.Seen,
            });
            if (copy.Status == DeliveryStatus.Stored)
                sentCopy = copy.MessageId;
            else
                LogSentCopyFailed(message.SenderAccountId.Value, copy.Status);
        }

        return new AcceptResult { Recipients = results!, SentCopyMessageId = sentCopy, QueueId = queueId };
    }

    /// <summary>
    /// RFC 3461 §5.2.2: a "delivered" DSN for local recipients whose NOTIFY asked for SUCCESS. The
    /// mail is already stored, so a report that cannot be sent is logged, not turned into a failure.
    /// </summary>
    private async Task ReportDeliveryAsync(InboundMessage message, RecipientResult[] results, CancellationToken cancellationToken)
    {
        if (message.Notifications is not { } requested || string.IsNullOrEmpty(message.MailFrom))
            return;
        var delivered = results
            .Where(r => r.Status == RecipientStatus.Delivered && r.MessageId is not null && requested.For(r.Address).Wants(NotifyOn.Success))
            .ToList();
        if (delivered.Count == 0)
            return;
        try
        {
            var raw = await queries.GetRawAsync(delivered[0].AccountId!.Value, delivered[0].MessageId!.Value, cancellationToken);
            if (raw is null)
                return;
            var recipients = delivered.Select(r => new DsnRecipient(r.Address, requested.For(r.Address).OriginalRecipient, "250 2.0.0 Delivered to the mailbox", null)).ToList();
            await dsn.SendAsync(new DsnReport(message.MailFrom, DsnAction.Delivered, recipients, time.GetUtcNow(),
                EnvelopeId: requested.EnvelopeId, ReturnFullMessage: requested.ReturnFullMessage), raw, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or OrleansException or TimeoutException)
        {
            LogDeliveryReportFailed(message.MailFrom, e);
        }
    }

    private sealed record Resolution(string Address, long? AccountId, bool LocalDomain, bool TooLarge);

    /// <summary>
    /// Each recipient to its account (directly, through an alias, or the domain's catch-all address),
    /// with the hosted domain's size limit applied.
    /// </summary>
    private async Task<List<Resolution>> ResolveAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, DomainSettings>(StringComparer.Ordinal);
        var resolutions = new List<Resolution>();
        foreach (var recipient in message.Recipients)
        {
            var address = MailAddresses.TryNormalizeAddress(recipient, out var normalized, out _) ? normalized : recipient.Trim().ToLowerInvariant();
            long? accountId;
            if (message.ResolvedRecipients?.TryGetValue(address, out var resolved) == true)
            {
                accountId = resolved;
            }
            else
            {
                var found = await directory.FindRecipientAsync(address, cancellationToken);
                if (!found.LocalDomain)
                {
                    resolutions.Add(new Resolution(address, null, false, false));
                    continue;
                }
                accountId = found.AccountId;
            }
            var domain = address[(address.LastIndexOf('@') + 1)..];
            if (!settings.TryGetValue(domain, out var domainSettings))
                settings[domain] = domainSettings = await GrainFactory.GetGrain<IDomainGrain>(domain).GetSettingsAsync();
            if (accountId is null && domainSettings.CatchAllAddress is { } catchAll)
                accountId = (await directory.FindRecipientAsync(catchAll, cancellationToken)).AccountId;
            resolutions.Add(new Resolution(address, accountId, true, message.Content.Size > domainSettings.MaxMessageBytes));
        }
        return resolutions;
    }

    private static RecipientStatus ToRecipientStatus(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Stored => RecipientStatus.Delivered,
        DeliveryStatus.OverQuota => RecipientStatus.OverQuota,
        DeliveryStatus.AccountNotFound => RecipientStatus.UnknownRecipient,
        _ => RecipientStatus.TemporaryFailure,
    };

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The delivery report to {Sender} was not sent")]
    private partial void LogDeliveryReportFailed(string sender, Exception exception);

    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "The Sent copy for account {AccountId} was not stored: {Status}")]
    private partial void LogSentCopyFailed(long accountId, DeliveryStatus status);
}
