using Microsoft.Extensions.Options;
using RestMail.Grains.Delivery;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;
using RestMail.Storage.Federation;
using RestMail.Storage.Hosting;

namespace RestMail.Api.Federation;

/// <summary>
/// Delivers an authenticated POST /v1/deliver: claims each recipient under the idempotency key, stores
/// the raw message (with the federation trail prepended) in the blob store and runs the one acceptance
/// path, <see cref="IDeliveryGrain.AcceptAsync"/>, exactly as SMTP mail does; then records the answers.
/// </summary>
public sealed class FederationReceiver(
    FederationDeliveryLog log, BlobStore blobs, IGrainFactory grains, IOptions<RestMailOptions> host, TimeProvider time)
{
    public async Task<FederationDeliveryResponse> DeliverAsync(
        AuthenticatedSender sender, FederationDelivery request, byte[] raw, string? clientAddress, string httpProtocol, CancellationToken ct)
    {
        var recipients = request.To.Select(r => MailAddresses.TryNormalizeAddress(r, out var address, out _) ? address : r.Trim().ToLowerInvariant())
            .Distinct(StringComparer.Ordinal).ToList();
        var claim = await log.ClaimAsync(sender.Domain, request.IdempotencyKey, recipients, ct);
        var results = new Dictionary<string, FederationRecipientResult>(StringComparer.Ordinal);
        foreach (var (recipient, known) in claim.Known)
            results[recipient] = known ?? new FederationRecipientResult(recipient, "deferred", 451, "4.3.0", "This delivery is in progress; try again later with the same idempotency key.");

        if (claim.Claimed.Count > 0)
        {
            var now = time.GetUtcNow();
            var id = Convert.ToHexStringLower(BitConverter.GetBytes(now.UtcTicks ^ Random.Shared.NextInt64()));
            var traced = FederationTrail.Prepend(raw, sender, host.Value.EffectiveHostname, id, httpProtocol, claim.Claimed, now);
            AcceptResult accepted;
            try
            {
                var content = await blobs.PrepareAsync(traced, ct);
                accepted = await grains.GetGrain<IDeliveryGrain>(0).AcceptAsync(new InboundMessage
                {
                    MailFrom = request.From,
                    Recipients = claim.Claimed,
                    Content = content,
                    Source = MessageSource.Federation,
                    ClientAddress = clientAddress,
                    ClientHelo = sender.Endpoint.IdnHost,
                });
            }
            catch
            {
                // Nothing is known to be delivered: release the claims so the sender's retry delivers.
                await log.CompleteAsync(sender.Domain, request.IdempotencyKey,
                    [.. claim.Claimed.Select(r => new FederationRecipientResult(r, "deferred", 451, "4.3.0", "Temporary failure"))], CancellationToken.None);
                throw;
            }
            var fresh = accepted.Recipients.Select(r => Result(r, id)).ToList();
            await log.CompleteAsync(sender.Domain, request.IdempotencyKey, fresh, CancellationToken.None);
            foreach (var result in fresh)
                results[result.Recipient] = result;
        }
        return new FederationDeliveryResponse([.. recipients.Select(r => results.TryGetValue(r, out var result)
            ? result
            : new FederationRecipientResult(r, "deferred", 451, "4.3.0", "No result"))]);
    }

    /// <summary>The SMTP reply the SMTP gateway would have given for the same outcome.</summary>
    private static FederationRecipientResult Result(RecipientResult result, string id) => result.Status switch
    {
        RecipientStatus.Delivered or RecipientStatus.Queued => new(result.Address, "delivered", 250, "2.0.0", $"OK id {id}"),
        RecipientStatus.UnknownRecipient => new(result.Address, "failed", 550, "5.1.1", "No such user here"),
        RecipientStatus.OverQuota => new(result.Address, "deferred", 452, "4.2.2", "Mailbox full"),
        RecipientStatus.Rejected => new(result.Address, "failed", 554, "5.7.1", "Refused by policy (or over the domain's size limit)"),
        _ => new(result.Address, "deferred", 451, "4.3.0", "Temporary failure, try again later"),
    };
}
