namespace RestMail.Storage.MailAuth;

/// <summary>
/// DMARC (RFC 7489): finds the policy of the RFC5322.From domain (or of its organizational domain)
/// and checks whether SPF or DKIM passed for a domain aligned with it.
/// </summary>
public sealed class DmarcChecker(MailAuthDns dns, PublicSuffixList suffixes)
{
    public async Task<DmarcVerdict> CheckAsync(string fromDomain, SpfVerdict? spf, IReadOnlyList<DkimSignatureVerdict> dkim, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fromDomain);
        ArgumentNullException.ThrowIfNull(dkim);
        fromDomain = DomainName.ToAscii(fromDomain.TrimEnd('.')).ToLowerInvariant();
        if (!DomainName.IsValid(fromDomain))
            return new DmarcVerdict(DmarcResult.None, fromDomain);

        // §6.6.3: the From domain's own record, else its organizational domain's.
        var organizational = suffixes.OrganizationalDomain(fromDomain);
        var (status, record) = await FindRecordAsync(fromDomain, ct);
        var atOrganizationalDomain = false;
        if (status == DnsLookupStatus.Failed)
            return new DmarcVerdict(DmarcResult.TempError, fromDomain);
        if (record is null && organizational != fromDomain)
        {
            (status, record) = await FindRecordAsync(organizational, ct);
            if (status == DnsLookupStatus.Failed)
                return new DmarcVerdict(DmarcResult.TempError, fromDomain);
            atOrganizationalDomain = true;
        }
        if (record is null)
            return new DmarcVerdict(DmarcResult.None, fromDomain);

        // §6.3 sp=: the policy for subdomains found through the organizational domain's record.
        var policy = atOrganizationalDomain ? record.SubdomainPolicy : record.Policy;
        var spfAligned = spf is { Result: SpfResult.Pass } && Aligned(spf.Domain, fromDomain, record.StrictSpf);
        var dkimAligned = dkim.Any(d => d.Result == DkimResult.Pass && d.Domain is { } domain && Aligned(domain, fromDomain, record.StrictDkim));
        DmarcResult result;
        if (spfAligned || dkimAligned)
            result = DmarcResult.Pass;
        else if (spf is { Result: SpfResult.TempError } || dkim.Any(d => d.Result == DkimResult.TempError))
            result = DmarcResult.TempError; // a retry might pass: do not call it a failure
        else
            result = DmarcResult.Fail;
        return new DmarcVerdict(result, fromDomain, policy, record.Percent);
    }

    /// <summary>§3.1: strict alignment is the same name; relaxed, the same organizational domain.</summary>
    public bool Aligned(string authenticated, string fromDomain, bool strict)
    {
        ArgumentNullException.ThrowIfNull(authenticated);
        ArgumentNullException.ThrowIfNull(fromDomain);
        authenticated = DomainName.ToAscii(authenticated.TrimEnd('.'));
        fromDomain = DomainName.ToAscii(fromDomain.TrimEnd('.'));
        if (authenticated.Equals(fromDomain, StringComparison.OrdinalIgnoreCase))
            return true;
        return !strict && suffixes.OrganizationalDomain(authenticated) == suffixes.OrganizationalDomain(fromDomain);
    }

    /// <summary>The one DMARC record at _dmarc.&lt;domain&gt;; none when there is none or more than one (§6.6.3 step 5).</summary>
    private async Task<(DnsLookupStatus Status, DmarcRecord? Record)> FindRecordAsync(string domain, CancellationToken ct)
    {
        var txt = await dns.TxtAsync("_dmarc." + domain, ct);
        var records = txt.Values.Where(DmarcRecord.IsDmarcRecord).ToList();
        return (txt.Status, records.Count == 1 ? DmarcRecord.Parse(records[0]) : null);
    }
}
