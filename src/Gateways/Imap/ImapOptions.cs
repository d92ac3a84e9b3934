namespace RestMail.Gateways.Imap;

/// <summary>
/// Limits of the IMAP gateway, read from the "RestMail:Imap" section (beside the STARTTLS listener's
/// Port, Enabled and Address) and applied to both IMAP listeners.
/// </summary>
public sealed class ImapOptions
{
    public const string SectionName = "RestMail:Imap";

    /// <summary>RFC 9051 §5.4: an inactivity timer of at least 30 minutes (IDLE included).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Longest command line, in octets, literals not counted (RFC 7162 §4 asks for at least 8192).</summary>
    public int MaxLineLength { get; set; } = 64 * 1024;

    /// <summary>Largest literal accepted outside APPEND (search strings, passwords, names).</summary>
    public int MaxLiteralSize { get; set; } = 64 * 1024;

    /// <summary>Largest message APPEND accepts (advertised as APPENDLIMIT, RFC 7889).</summary>
    public long AppendLimit { get; set; } = 25 * 1024 * 1024;

    /// <summary>Deepest nesting of parenthesised lists (SEARCH, FETCH) a command may use.</summary>
    public int MaxNestingDepth { get; set; } = 16;

    /// <summary>Simultaneous connections from one IP address, over both IMAP listeners.</summary>
    public int MaxConnectionsPerIp { get; set; } = 20;

    /// <summary>Failed logins from one IP address before it is banned.</summary>
    public int MaxAuthFailures { get; set; } = 5;

    /// <summary>How long an IP address stays banned after too many failed logins.</summary>
    public TimeSpan AuthBanDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>BAD answers in one session before the server says BYE.</summary>
    public int MaxErrors { get; set; } = 50;

    /// <summary>
    /// Whether LOGIN and AUTHENTICATE are accepted on a connection that is not (yet) TLS. Off by
    /// default: RFC 9051 §6.2.3, a password must not cross the network in clear text. For loopback
    /// set-ups (a benchmark, a local webmail) only.
    /// </summary>
    public bool AllowPlaintextAuth { get; set; }

    /// <summary>How often a session renews its subscription with the mailbox grain (observers expire after 3 minutes).</summary>
    public TimeSpan ResubscribeInterval { get; set; } = TimeSpan.FromMinutes(1);
}
