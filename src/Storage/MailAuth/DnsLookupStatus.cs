namespace RestMail.Storage.MailAuth;

/// <summary>How a DNS query for the authentication checks ended.</summary>
public enum DnsLookupStatus
{
    /// <summary>The name has records of the asked type.</summary>
    Found,

    /// <summary>The name exists but has no records of that type (NOERROR, empty answer).</summary>
    NoRecords,

    /// <summary>NXDOMAIN: the name does not exist.</summary>
    NonExistentDomain,

    /// <summary>SERVFAIL, REFUSED, a timeout or no answer at all: the result may differ when asked again.</summary>
    Failed,
}
