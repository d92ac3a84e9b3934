using RestMail.Grains.Mailboxes;

namespace RestMail.Grains.Delivery;

/// <summary>A message entering the acceptance path, its bytes already in the blob store.</summary>
[GenerateSerializer, Immutable, Alias("RestMail.InboundMessage")]
public sealed record InboundMessage
{
    /// <summary>The envelope sender (RFC 5321 reverse-path); null or empty is the null sender.</summary>
    [Id(0)] public string? MailFrom { get; init; }
    [Id(1)] public required IReadOnlyList<string> Recipients { get; init; }
    [Id(2)] public required StoredContent Content { get; init; }
    [Id(3)] public MessageSource Source { get; init; }
    /// <summary>The authenticated sender, for Submission and Api: gets a copy in Sent and may relay.</summary>
    [Id(4)] public long? SenderAccountId { get; init; }
    /// <summary>The SMTP client's IP address (Smtp and Submission), for SPF and the other inbound checks.</summary>
    [Id(5)] public string? ClientAddress { get; init; }
    /// <summary>The name the SMTP client gave in EHLO/HELO, for SPF's HELO identity (RFC 7208 §2.3).</summary>
    [Id(6)] public string? ClientHelo { get; init; }
    /// <summary>The SMTP client's DSN requests (RFC 3461); null when it made none.</summary>
    [Id(7)] public DeliveryNotifications? Notifications { get; init; }
    /// <summary>
    /// Recipients the gateway resolved to an account moments ago (SMTP at RCPT, through aliases and
    /// the catch-all): the acceptance path files them there without asking the directory again. A
    /// recipient not listed is resolved by the acceptance path.
    /// </summary>
    [Id(8)] public IReadOnlyDictionary<string, long>? ResolvedRecipients { get; init; }
}
