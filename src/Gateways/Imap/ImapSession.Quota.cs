namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    private const string AccountRoot = "", DomainRoot = "domain";

    /// <summary>RFC 9208 GETQUOTAROOT: every mailbox is under the account root and the domain root.</summary>
    private async Task<Next> GetQuotaRootAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        reader.ExpectEnd();
        if (await FindFolderAsync(name, ct) is null)
        {
            Tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
            return Next.Continue;
        }
        _out.Raw("* QUOTAROOT ");
        WriteMailboxName(name);
        _out.Raw(" \"\" \"domain\"\r\n");
        await WriteQuotaAsync(AccountRoot, ct);
        await WriteQuotaAsync(DomainRoot, ct);
        Tagged(tag, "OK", "GETQUOTAROOT completed");
        return Next.Continue;
    }

    /// <summary>RFC 9208 GETQUOTA root.</summary>
    private async Task<Next> GetQuotaAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var root = reader.ReadAString();
        reader.ExpectEnd();
        if (root is not (AccountRoot or DomainRoot))
        {
            Tagged(tag, "NO", "[NONEXISTENT] No such quota root");
            return Next.Continue;
        }
        await WriteQuotaAsync(root, ct);
        Tagged(tag, "OK", "GETQUOTA completed");
        return Next.Continue;
    }

    /// <summary>STORAGE is in units of 1024 octets (RFC 9208 §5.1); roots without a limit are left out.</summary>
    private async Task WriteQuotaAsync(string root, CancellationToken ct)
    {
        var usage = await _gateway.Queries.GetQuotaAsync(AccountId, ct);
        var (used, limit) = root == AccountRoot ? (usage?.UsedBytes ?? 0, usage?.LimitBytes) : (usage?.DomainUsedBytes ?? 0, usage?.DomainLimitBytes);
        // RFC 9208 §7.1: a QUOTA response lists at least one resource; a root without a limit is not reported.
        if (limit is not { } bytes)
            return;
        _out.Raw("* QUOTA ").Text(root).Raw(" (STORAGE ").Number((used + 1023) / 1024).Raw(" ").Number(bytes / 1024).Raw(")\r\n");
    }
}
