namespace RestMail.Gateways.Smtp;

/// <summary>
/// Limits of the SMTP gateway, read from the "RestMail:Smtp" section (beside the MX listener's Port,
/// Enabled and Address) and applied to all three SMTP listeners.
/// </summary>
public sealed class SmtpOptions
{
    public const string SectionName = "RestMail:Smtp";

    /// <summary>Largest message accepted, in bytes (advertised as SIZE; RFC 1870).</summary>
    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;

    /// <summary>Recipients per message; RFC 5321 §4.5.3.1.8 asks for at least 100.</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>How long a session may wait for the client's next bytes (RFC 5321 §4.5.3.2.7: at least 5 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Simultaneous connections from one IP address, over all SMTP listeners.</summary>
    public int MaxConnectionsPerIp { get; set; } = 20;

    /// <summary>Failed AUTH attempts from one IP address before it is banned.</summary>
    public int MaxAuthFailures { get; set; } = 5;

    /// <summary>How long an IP address stays banned after too many failed AUTH attempts.</summary>
    public TimeSpan AuthBanDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Command errors in one session before the server closes it.</summary>
    public int MaxErrors { get; set; } = 20;
}
