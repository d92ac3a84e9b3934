namespace RestMail.Grains.Queue;

/// <summary>What a delivery status notification reports: RFC 3464 §2.3.3's Action, one per DSN.</summary>
internal enum DsnAction
{
    Failed,
    Delayed,
    Delivered,
    /// <summary>Handed to a next hop that does not report on delivery itself (RFC 3461 §5.2.2).</summary>
    Relayed,
}

/// <summary>One recipient of a DSN: the address, ORCPT when given, and the last word on it.</summary>
internal sealed record DsnRecipient(string Address, string? OriginalRecipient, string? Detail, DateTimeOffset? LastAttemptAt);

/// <summary>
/// Everything a DSN says about one message: who receives it (the envelope sender), the action, the
/// message's arrival and queue id, the sender's ENVID and RET (RFC 3461 §4.3, §4.4), and until when
/// a delayed message is retried.
/// </summary>
internal sealed record DsnReport(
    string Sender,
    DsnAction Action,
    IReadOnlyList<DsnRecipient> Recipients,
    DateTimeOffset ArrivalDate,
    string? QueueId = null,
    string? EnvelopeId = null,
    bool ReturnFullMessage = false,
    DateTimeOffset? RetryUntil = null);
