namespace RestMail.Grains.Queue;

/// <summary>The "RestMail:Outbound" section: delivery of queued mail to other domains over SMTP.</summary>
public sealed class OutboundOptions
{
    public const string SectionName = "RestMail:Outbound";

    /// <summary>The port remote MX hosts are contacted on (25; other values for tests).</summary>
    public int Port { get; set; } = 25;

    /// <summary>After this long since queueing, a recipient still deferred fails for good (with a DSN).</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// After this long since queueing, a sender whose recipients are still deferred gets one
    /// "delayed" DSN (RFC 3464 Action: delayed); zero turns the notice off.
    /// </summary>
    public TimeSpan DelayWarningAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How often the scheduler looks for due entries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An entry delivering for longer than this (its node died) is queued again.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Timeout of each SMTP command and of connecting.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>SMTP connections one silo opens to one destination domain at the same time.</summary>
    public int MaxConnectionsPerDomain { get; set; } = 20;

    /// <summary>
    /// PEM file of CA certificates trusted instead of the system's roots when a certificate must be
    /// valid (MTA-STS); for development and tests with a private CA. Empty: the system's roots.
    /// </summary>
    public string? TrustedCaPath { get; set; }

    /// <summary>The HTTPS port MTA-STS policies are fetched from (443; other values for tests).</summary>
    public int MtaStsPolicyPort { get; set; } = 443;

    /// <summary>Entries claimed (and attempted concurrently) per scheduler round.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Delays between attempts, the last one repeating. Default 1m, 5m, 15m, 30m, 1h, 2h, 4h.
    /// </summary>
    public IList<TimeSpan> RetryDelays { get; } = [];

    /// <summary>
    /// Domain → "host:port" (or "host") that bypasses MX lookup, like Postfix's transport_maps: a
    /// smart host, or a local test server. The key "*" routes every domain.
    /// </summary>
    public IDictionary<string, string> StaticRoutes { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
    ];

    /// <summary>The delay after the given number of attempts (1 after the first).</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        IReadOnlyList<TimeSpan> delays = RetryDelays.Count > 0 ? [.. RetryDelays] : DefaultRetryDelays;
        return delays[Math.Clamp(attempts - 1, 0, delays.Count - 1)];
    }
}
