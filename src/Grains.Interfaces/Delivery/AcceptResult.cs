namespace RestMail.Grains.Delivery;

public enum RecipientStatus
{
    /// <summary>Stored in a local mailbox.</summary>
    Delivered = 0,
    /// <summary>Durably queued for a remote domain.</summary>
    Queued,
    /// <summary>A local domain without such an account or alias (SMTP 550 5.1.1).</summary>
    UnknownRecipient,
    /// <summary>Account or domain quota exceeded (SMTP 452 4.2.2): try later.</summary>
    OverQuota,
    /// <summary>Refused by policy, e.g. relaying without authentication (SMTP 554 5.7.1).</summary>
    Rejected,
    /// <summary>Anything else transient (SMTP 451 4.3.0).</summary>
    TemporaryFailure,
}

[GenerateSerializer, Immutable, Alias("RestMail.RecipientResult")]
public sealed record RecipientResult
{
    [Id(0)] public required string Address { get; init; }
    [Id(1)] public required RecipientStatus Status { get; init; }
    [Id(2)] public long? MessageId { get; init; }
    [Id(3)] public long? AccountId { get; init; }
}

[GenerateSerializer, Immutable, Alias("RestMail.AcceptResult")]
public sealed record AcceptResult
{
    [Id(0)] public required IReadOnlyList<RecipientResult> Recipients { get; init; }
    /// <summary>The copy filed in the sender's Sent folder (Api and Submission).</summary>
    [Id(1)] public long? SentCopyMessageId { get; init; }
    /// <summary>The outbound queue entry holding the remote recipients, if any.</summary>
    [Id(2)] public long? QueueId { get; init; }
}
