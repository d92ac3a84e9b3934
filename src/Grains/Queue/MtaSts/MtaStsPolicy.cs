namespace RestMail.Grains.Queue.MtaSts;

/// <summary>RFC 8461 §5: what a sender does with a domain's policy.</summary>
public enum MtaStsMode
{
    /// <summary>Deliver only to matching MX hosts over validated TLS; otherwise defer.</summary>
    Enforce,

    /// <summary>Check and report, but deliver as without a policy.</summary>
    Testing,

    /// <summary>The domain withdrew its policy.</summary>
    None,
}

/// <summary>A domain's MTA-STS policy (RFC 8461 §3.2) as fetched, with the TXT record id it was fetched for.</summary>
public sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> MxPatterns, TimeSpan MaxAge, string Id, DateTimeOffset FetchedAt)
{
    public DateTimeOffset ExpiresAt => FetchedAt + MaxAge;

    /// <summary>
    /// RFC 8461 §4.1: an MX host matches a pattern exactly or, for "*.example.com", when the
    /// wildcard stands for exactly one leftmost label. Case-insensitive, trailing dots ignored.
    /// </summary>
    public bool Matches(string mxHost)
    {
        ArgumentNullException.ThrowIfNull(mxHost);
        var host = mxHost.TrimEnd('.');
        foreach (var pattern in MxPatterns)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = pattern[1..];
                var dot = host.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && host[dot..].Equals(suffix, StringComparison.OrdinalIgnoreCase))
                    return true;
            }
            else if (host.Equals(pattern.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
