using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using MimeKit;
using RestMail.Grains.Delivery;
using RestMail.Grains.Federation;
using RestMail.Grains.Queue.MtaSts;
using RestMail.Storage.Dkim;
using RestMail.Storage.Federation;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Delivers one outbound queue entry. Keeps nothing in memory between calls: the row in
/// outbound_queue and its outbound_recipients are the state, written in one transaction per
/// attempt (which also releases the blob references once the entry is finished).
/// </summary>
internal sealed partial class QueueEntryGrain(
    QueueStore store,
    MxResolver resolver,
    MtaStsResolver mtaSts,
    SmtpSender sender,
    DestinationLimiter limiter,
    DsnSender dsn,
    DkimSigner dkim,
    FederationSender federation,
    IOptions<OutboundOptions> options,
    IOptions<FederationOptions> federationOptions,
    TimeProvider time,
    ILogger<QueueEntryGrain> logger) : Grain, IQueueEntryGrain
{
    private long Id => this.GetPrimaryKeyLong();

    public async Task<string?> AttemptAsync()
    {
        var cancellationToken = CancellationToken.None;
        var entry = await store.GetAsync(Id, cancellationToken);
        if (entry is null || entry.State is "delivered" or "failed")
            return entry?.State;
        var pending = entry.Recipients.Where(r => r.State == "queued").Select(r => r.Address).ToList();
        var raw = await store.GetRawAsync(Id, cancellationToken) ?? throw new InvalidOperationException($"Queue entry {Id} has no content.");

        var outcomes = new List<RecipientOutcome>();
        // Recipients whose mailbox server took the message itself (federation): "delivered", not "relayed".
        var finallyDelivered = new HashSet<string>(StringComparer.Ordinal);
        var notifications = NotificationsOf(entry);
        if (pending.Count > 0)
        {
            var signed = await SignAsync(raw, entry.MailFrom, cancellationToken);
            var message = MimeMessage.Load(new MemoryStream(signed, writable: false), persistent: true, cancellationToken);
            foreach (var group in pending.GroupBy(DomainOf, StringComparer.OrdinalIgnoreCase))
            {
                if (await TryFederationAsync(entry, group.Key, [.. group], signed, message, cancellationToken) is { } federated)
                {
                    outcomes.AddRange(federated);
                    finallyDelivered.UnionWith(group);
                    continue;
                }
                var route = await mtaSts.ApplyAsync(group.Key, await resolver.ResolveAsync(group.Key, cancellationToken), cancellationToken);
                if (route.Failure is { } kind)
                    outcomes.AddRange(group.Select(r => new RecipientOutcome(r, kind, route.Detail)));
                else
                {
                    Uri? advertised = null;
                    using (await limiter.AcquireAsync(group.Key, cancellationToken))
                    {
                        outcomes.AddRange(await sender.SendAsync(route, entry.MailFrom, [.. group], notifications, message, cancellationToken,
                            (target, endpoint) => advertised = IsPlausibleAdvertisement(endpoint, group.Key, target) ? endpoint : advertised));
                    }
                    if (advertised is not null && federationOptions.Value.Enabled)
                        await GrainFactory.GetGrain<IRemoteDomainGrain>(group.Key).AdvertisedAsync(advertised.AbsoluteUri);
                }
            }
        }

        // Past the lifetime, what is still deferred fails for good.
        if (time.GetUtcNow() - entry.CreatedAt >= options.Value.MaxLifetime)
        {
            outcomes = [.. outcomes.Select(o => o.Kind == RecipientOutcomeKind.Deferred
                ? o with { Kind = RecipientOutcomeKind.Failed, Detail = $"4.4.7 Message expired after {options.Value.MaxLifetime}; last error: {o.Detail}" }
                : o)];
        }

        var progress = await store.RecordAttemptAsync(Id, outcomes, options.Value.DelayAfter(entry.Attempts + 1), cancellationToken);
        if (progress is null)
            return (await store.GetAsync(Id, cancellationToken))?.State;
        LogAttempt(Id, outcomes.Count(o => o.Kind == RecipientOutcomeKind.Delivered), outcomes.Count(o => o.Kind == RecipientOutcomeKind.Deferred),
            outcomes.Count(o => o.Kind == RecipientOutcomeKind.Failed), progress.State);
        await dsn.SendAsync(entry, DsnAction.Failed, progress.NewlyFailed, raw, cancellationToken);
        await ReportSuccessAsync(entry, progress.NewlyDelivered, outcomes, finallyDelivered, raw, cancellationToken);
        await WarnOfDelayAsync(entry, outcomes, raw, cancellationToken);
        return progress.State;
    }

    private static DeliveryNotifications NotificationsOf(QueueEntry entry) => new()
    {
        ReturnFullMessage = entry.ReturnFullMessage,
        EnvelopeId = entry.EnvelopeId,
        Recipients = entry.Recipients.ToDictionary(r => r.Address, r => r.Requested(), StringComparer.Ordinal),
    };

    /// <summary>
    /// NOTIFY=SUCCESS (RFC 3461 §5.2.2): "delivered" when the recipient's own server stored it
    /// (federation), "relayed" when an SMTP server without DSN took it; nothing when that server
    /// offers DSN, since the request went along and it reports itself.
    /// </summary>
    private async Task ReportSuccessAsync(
        QueueEntry entry, IReadOnlyList<QueueRecipient> delivered, List<RecipientOutcome> outcomes, HashSet<string> finallyDelivered, byte[] raw,
        CancellationToken cancellationToken)
    {
        var onward = outcomes.Where(o => o.NotifiesOnward).Select(o => o.Address).ToHashSet(StringComparer.Ordinal);
        var reportable = delivered.Where(r => !onward.Contains(r.Address)).ToList();
        await dsn.SendAsync(entry, DsnAction.Delivered, [.. reportable.Where(r => finallyDelivered.Contains(r.Address))], raw, cancellationToken);
        await dsn.SendAsync(entry, DsnAction.Relayed, [.. reportable.Where(r => !finallyDelivered.Contains(r.Address))], raw, cancellationToken);
    }

    /// <summary>One "delayed" DSN per entry once it has waited DelayWarningAfter with recipients still deferred.</summary>
    private async Task WarnOfDelayAsync(QueueEntry entry, List<RecipientOutcome> outcomes, byte[] raw, CancellationToken cancellationToken)
    {
        var after = options.Value.DelayWarningAfter;
        var now = time.GetUtcNow();
        var requested = entry.Recipients.ToDictionary(r => r.Address, StringComparer.Ordinal);
        var deferred = outcomes.Where(o => o.Kind == RecipientOutcomeKind.Deferred)
            .Select(o => requested[o.Address] with { State = "queued", Attempts = entry.Attempts + 1, LastError = o.Detail, LastAttemptAt = now })
            .ToList();
        if (after <= TimeSpan.Zero || deferred.Count == 0 || now - entry.CreatedAt < after)
            return;
        if (await store.MarkDelayNotifiedAsync(Id, cancellationToken))
            await dsn.SendAsync(entry, DsnAction.Delayed, deferred, raw, cancellationToken, retryUntil: entry.CreatedAt + options.Value.MaxLifetime);
    }

    /// <summary>
    /// Delivers over REST Mail federation when the domain has an endpoint (docs/federation.md);
    /// null means "use SMTP": no endpoint, the null sender (it has no domain to sign for), or a
    /// failure that proves nothing was delivered, which also marks the domain's capability cache.
    /// </summary>
    private async Task<IReadOnlyList<RecipientOutcome>?> TryFederationAsync(
        QueueEntry entry, string domain, IReadOnlyList<string> recipients, byte[] signed, MimeMessage message, CancellationToken cancellationToken)
    {
        if (!federationOptions.Value.Enabled || entry.MailFrom.Length == 0)
            return null;
        var remote = GrainFactory.GetGrain<IRemoteDomainGrain>(domain);
        if (!FederationDiscovery.TryParseEndpoint(await remote.GetEndpointAsync(), out var endpoint))
            return null;
        FederationAttempt attempt;
        using (await limiter.AcquireAsync(domain, cancellationToken))
            attempt = await federation.SendAsync(endpoint, entry.MailFrom, domain, recipients, signed, message, IdempotencyKey(entry), cancellationToken);
        if (!attempt.FallBack)
        {
            await remote.ReportAsync(answered: !attempt.Unanswered);
            return attempt.Outcomes;
        }
        if (attempt.EndpointFailed)
            await remote.FailedAsync(attempt.Detail);
        return null;
    }

    /// <summary>
    /// The same for every attempt of this entry, so a retry after an unanswered POST is recognised by
    /// the receiver; the creation time (microseconds) keeps ids of different installations apart.
    /// </summary>
    private static string IdempotencyKey(QueueEntry entry) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{entry.MailFrom}/{entry.Id}/{entry.CreatedAt.UtcTicks}"))));

    /// <summary>
    /// An EHLO advertisement is believed only for a host the domain already trusts with its mail: the
    /// MX host itself or a name inside the domain. Anyone else could name any endpoint in EHLO.
    /// </summary>
    internal static bool IsPlausibleAdvertisement(Uri endpoint, string domain, MailTarget target) =>
        endpoint.IdnHost.Equals(target.Host.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
        || endpoint.IdnHost.Equals(domain, StringComparison.OrdinalIgnoreCase)
        || endpoint.IdnHost.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// DKIM-signs for the From header's domain (the one DMARC aligns with), else the envelope
    /// sender's, when that domain is hosted here; the stored message itself stays unsigned.
    /// </summary>
    private async Task<byte[]> SignAsync(byte[] raw, string mailFrom, CancellationToken cancellationToken)
    {
        var message = MimeMessage.Load(new MemoryStream(raw, writable: false), persistent: true, cancellationToken);
        var from = message.From.Mailboxes.FirstOrDefault()?.Domain;
        var domain = string.IsNullOrEmpty(from) ? DomainOf(mailFrom) : from.ToLowerInvariant();
        if (domain.Length == 0)
            return raw;
        return await dkim.SignAsync(domain, raw, cancellationToken);
    }

    public async Task<bool> BounceAsync()
    {
        var cancellationToken = CancellationToken.None;
        var entry = await store.GetAsync(Id, cancellationToken);
        if (entry is null || entry.State is "delivered" or "failed")
            return false;
        var raw = await store.GetRawAsync(Id, cancellationToken) ?? throw new InvalidOperationException($"Queue entry {Id} has no content.");
        var outcomes = entry.Recipients.Where(r => r.State == "queued")
            .Select(r => new RecipientOutcome(r.Address, RecipientOutcomeKind.Failed, "5.0.0 Delivery cancelled by the administrator"))
            .ToList();
        var progress = await store.RecordAttemptAsync(Id, outcomes, TimeSpan.Zero, cancellationToken);
        if (progress is null)
            return false;
        await dsn.SendAsync(entry, DsnAction.Failed, progress.NewlyFailed, raw, cancellationToken);
        return true;
    }

    public Task<bool> DeleteAsync() => store.DeleteAsync(Id, CancellationToken.None);

    private static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant();

    [LoggerMessage(EventId = 2220, Level = LogLevel.Information, Message = "Queue entry {QueueId}: {Delivered} delivered, {Deferred} deferred, {Failed} failed; now {State}")]
    private partial void LogAttempt(long queueId, int delivered, int deferred, int failed, string state);
}
