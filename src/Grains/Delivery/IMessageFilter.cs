using RestMail.Grains.Delivery;

namespace RestMail.Grains.Delivery;

public enum FilterAction
{
    Continue = 0,
    Reject,
    Defer,
    Discard,
}

/// <summary>What a filter decided; Continue lets the next filter run.</summary>
public sealed record FilterVerdict(FilterAction Action, string? Reason = null)
{
    public static FilterVerdict Continue { get; } = new(FilterAction.Continue);
}

/// <summary>
/// The place where the inbound/outbound filter pipeline runs (SPF, DKIM, DMARC, Sieve, spam and
/// virus scanners arrive with the filters issue). Every registered filter sees every message on the
/// acceptance path, in registration order, before anything is stored.
/// </summary>
public interface IMessageFilter
{
    Task<FilterVerdict> InspectAsync(InboundMessage message, CancellationToken cancellationToken);
}
