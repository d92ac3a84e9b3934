namespace RestMail.Grains.Delivery;

/// <summary>
/// What the sender asked for with the SMTP DSN extension (RFC 3461): the MAIL parameters RET and
/// ENVID, and NOTIFY and ORCPT for each recipient. Absent means "as the MTA sees fit": a report on
/// failure and, at its discretion, on delay (RFC 3461 §4.1).
/// </summary>
[GenerateSerializer, Immutable, Alias("RestMail.DeliveryNotifications")]
public sealed record DeliveryNotifications
{
    /// <summary>RET=FULL: a failure report carries the whole message, not only its header (§4.3).</summary>
    [Id(0)] public bool ReturnFullMessage { get; init; }

    /// <summary>ENVID (§4.4), decoded from xtext; echoed as Original-Envelope-Id.</summary>
    [Id(1)] public string? EnvelopeId { get; init; }

    /// <summary>NOTIFY and ORCPT per recipient, keyed by the normalized address the recipient list names.</summary>
    [Id(2)] public IReadOnlyDictionary<string, RecipientNotifications> Recipients { get; init; } = new Dictionary<string, RecipientNotifications>();

    /// <summary>The request for one recipient, or the default when none was made.</summary>
    public RecipientNotifications For(string address) =>
        Recipients.TryGetValue(address, out var requested) ? requested : RecipientNotifications.Default;
}

/// <summary>RCPT TO's NOTIFY (RFC 3461 §4.1) and ORCPT (§4.2) for one recipient.</summary>
[GenerateSerializer, Immutable, Alias("RestMail.RecipientNotifications")]
public sealed record RecipientNotifications
{
    public static RecipientNotifications Default { get; } = new();

    /// <summary>Null when NOTIFY was not given; otherwise what it named (None for NEVER).</summary>
    [Id(0)] public NotifyOn? Notify { get; init; }

    /// <summary>ORCPT as "addr-type;address" with the address decoded from xtext.</summary>
    [Id(1)] public string? OriginalRecipient { get; init; }

    /// <summary>Whether a report of this kind is owed: without NOTIFY, failures and delays are reported.</summary>
    public bool Wants(NotifyOn kind) => ((Notify ?? (NotifyOn.Failure | NotifyOn.Delay)) & kind) != 0;
}

/// <summary>The NOTIFY keywords; None is NOTIFY=NEVER.</summary>
[Flags]
public enum NotifyOn
{
    None = 0,
    Success = 1,
    Failure = 2,
    Delay = 4,
}
