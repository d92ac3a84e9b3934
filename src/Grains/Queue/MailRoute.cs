using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>One SMTP server to try: the name it is known by and the address to connect to.</summary>
internal sealed record MailTarget(string Host, string Address, int Port);

/// <summary>
/// Where a domain's mail goes: servers in order of preference, or why it cannot go anywhere.
/// <see cref="Static"/>: configured, not looked up (MTA-STS does not apply). <see cref="RequireValidatedTls"/>:
/// STARTTLS with a certificate valid for the MX host name is mandatory (an enforced MTA-STS policy).
/// </summary>
internal sealed record MailRoute(IReadOnlyList<MailTarget> Targets, RecipientOutcomeKind? Failure = null, string? Detail = null)
{
    public bool Static { get; init; }

    public bool RequireValidatedTls { get; init; }

    public static MailRoute Fail(RecipientOutcomeKind kind, string detail) => new([], kind, detail);
}
