namespace RestMail.Storage.MailAuth;

/// <summary>The answer to one DNS query: its status and, when <see cref="DnsLookupStatus.Found"/>, the values.</summary>
public sealed record DnsLookup<T>(DnsLookupStatus Status, IReadOnlyList<T> Values)
{
    /// <summary>RFC 7208 §4.6.4: a lookup that answered, but with nothing (NXDOMAIN or no records).</summary>
    public bool IsVoid => Status is DnsLookupStatus.NoRecords or DnsLookupStatus.NonExistentDomain;
}
