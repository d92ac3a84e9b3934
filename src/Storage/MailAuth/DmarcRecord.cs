using System.Globalization;

namespace RestMail.Storage.MailAuth;

/// <summary>A DMARC policy record (RFC 7489 §6.3): the tags REST Mail evaluates.</summary>
public sealed record DmarcRecord(DmarcPolicy Policy, DmarcPolicy SubdomainPolicy, bool StrictDkim, bool StrictSpf, int Percent)
{
    /// <summary>§6.6.3: a DMARC record starts with the tag "v=DMARC1".</summary>
    public static bool IsDmarcRecord(string txt)
    {
        ArgumentNullException.ThrowIfNull(txt);
        var first = txt.Split(';')[0];
        var equals = first.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && first[..equals].Trim() == "v" && first[(equals + 1)..].Trim() == "DMARC1";
    }

    /// <summary>Parses a record; null when it is not usable as a policy.</summary>
    public static DmarcRecord? Parse(string txt)
    {
        if (!IsDmarcRecord(txt))
            return null;
        var tags = TagList.Parse(txt);
        DmarcPolicy policy;
        if (!tags.TryGetValue("p", out var p) || ParsePolicy(p) is not { } parsed)
        {
            // §6.6.3 step 6: a record without a valid p= but with rua= is applied as p=none; otherwise ignored.
            if (!tags.ContainsKey("rua"))
                return null;
            policy = DmarcPolicy.None;
        }
        else
        {
            policy = parsed;
        }
        // §6.3: unknown or invalid values of the optional tags fall back to their defaults.
        var subdomain = tags.TryGetValue("sp", out var sp) && ParsePolicy(sp) is { } s ? s : policy;
        var percent = tags.TryGetValue("pct", out var pct) && int.TryParse(pct, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 100 ? n : 100;
        return new DmarcRecord(policy, subdomain, IsStrict(tags, "adkim"), IsStrict(tags, "aspf"), percent);
    }

    private static bool IsStrict(Dictionary<string, string> tags, string name) =>
        tags.TryGetValue(name, out var value) && value.Equals("s", StringComparison.OrdinalIgnoreCase);

    private static DmarcPolicy? ParsePolicy(string value) => value.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };
}
