namespace RestMail.Grains.Delivery;

/// <summary>
/// The one acceptance path for every message, whatever door it came through (SMTP, submission,
/// REST send, federation): recipient resolution, the filter pipeline, local delivery through the
/// mailbox grains and durable queueing for remote domains. A stateless worker: call it with key 0.
/// </summary>
[Alias("RestMail.IDeliveryGrain")]
public interface IDeliveryGrain : IGrainWithIntegerKey
{
    [Alias("Accept")]
    Task<AcceptResult> AcceptAsync(InboundMessage message);
}
