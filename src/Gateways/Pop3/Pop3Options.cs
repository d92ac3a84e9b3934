namespace RestMail.Gateways.Pop3;

/// <summary>
/// Limits and policy of the POP3 gateway, read from the "RestMail:Pop3" section (beside the STLS
/// listener's Port, Enabled and Address) and applied to both POP3 listeners.
/// </summary>
public sealed class Pop3Options
{
    public const string SectionName = "RestMail:Pop3";

    /// <summary>
    /// How long a session may wait for the client's next command. RFC 1939 §3: an autologout timer
    /// of at least 10 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Simultaneous connections from one IP address, over both POP3 listeners.</summary>
    public int MaxConnectionsPerIp { get; set; } = 20;

    /// <summary>Failed logins from one IP address before it is banned.</summary>
    public int MaxAuthFailures { get; set; } = 5;

    /// <summary>How long an IP address stays banned after too many failed logins.</summary>
    public TimeSpan AuthBanDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Command errors in one session before the server closes it.</summary>
    public int MaxErrors { get; set; } = 20;

    /// <summary>
    /// Whether USER/PASS and AUTH are accepted on a connection that is not (yet) TLS. Off by default:
    /// RFC 2595 §2.1 — a password must not cross the network in clear text.
    /// </summary>
    public bool AllowPlaintextAuth { get; set; }
}
