using System.Buffers;
using RestMail.Grains.Delivery;
using RestMail.Storage.MailAuth;

namespace RestMail.Gateways.Smtp;

/// <summary>One mail transaction: from MAIL to the end of DATA (or the last BDAT chunk), RSET or EHLO.</summary>
public sealed class SmtpTransaction(string mailFrom, long declaredSize, bool utf8)
{
    /// <summary>The reverse-path; empty is the null sender.</summary>
    public string MailFrom { get; } = mailFrom;

    /// <summary>SIZE= from MAIL (RFC 1870), 0 when not declared.</summary>
    public long DeclaredSize { get; } = declaredSize;

    /// <summary>SMTPUTF8 was given on MAIL (RFC 6531).</summary>
    public bool Utf8 { get; } = utf8;

    public List<string> Recipients { get; } = [];

    /// <summary>The local recipients' accounts as RCPT found them, handed on so that they are not looked up twice.</summary>
    public Dictionary<string, long> RecipientAccounts { get; } = new(StringComparer.Ordinal);

    /// <summary>The SPF check of the envelope, started at the first accepted RCPT of an unauthenticated session.</summary>
    public Task<SpfVerdict>? Spf { get; set; }

    /// <summary>RET=FULL on MAIL (RFC 3461 §4.3).</summary>
    public bool ReturnFullMessage { get; init; }

    /// <summary>ENVID on MAIL, decoded (RFC 3461 §4.4).</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>NOTIFY and ORCPT of the recipients that gave them (RFC 3461 §4.1, §4.2).</summary>
    public Dictionary<string, RecipientNotifications> Notifications { get; } = new(StringComparer.Ordinal);

    /// <summary>The DSN requests for the acceptance path; null when the client made none.</summary>
    public DeliveryNotifications? DeliveryNotifications =>
        Notifications.Count == 0 && !ReturnFullMessage && EnvelopeId is null
            ? null
            : new DeliveryNotifications { ReturnFullMessage = ReturnFullMessage, EnvelopeId = EnvelopeId, Recipients = new Dictionary<string, RecipientNotifications>(Notifications) };

    /// <summary>RCPT commands accepted (a repeated address counts again but is delivered once).</summary>
    public int AcceptedRecipientCommands { get; set; }

    /// <summary>The id the Received header and the final 250 name, for tracing one message through the logs.</summary>
    public string QueueId { get; } = SmtpSession.NewQueueId();

    /// <summary>The Received header followed by the content read so far.</summary>
    public ArrayBufferWriter<byte>? Message { get; set; }

    /// <summary>Where the client's content starts in <see cref="Message"/>: after the Received header.</summary>
    public int ContentStart { get; set; }

    /// <summary>Content bytes (without the Received header) received through BDAT so far.</summary>
    public long ChunkedSize { get; set; }

    /// <summary>BDAT was used: DATA is no longer allowed (RFC 3030 §2).</summary>
    public bool Chunking { get; set; }
}
