using System.Globalization;

namespace RestMail.Storage.MailAuth;

/// <summary>Checks on DNS domain names shared by SPF, DKIM and DMARC.</summary>
public static class DomainName
{
    /// <summary>
    /// A fully qualified name DNS can carry (RFC 7208 §4.3): at least two labels, each 1–63 octets,
    /// 253 octets in all, no spaces or controls. Address literals ("[192.0.2.1]") are not names.
    /// </summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return false;
        name = name.TrimEnd('.');
        if (name.Length is 0 or > 253 || name.StartsWith('['))
            return false;
        var labels = name.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Length is > 0 and <= 63 && l.All(c => c > ' ' && c != 127));
    }

    private static readonly IdnMapping Idn = new();

    /// <summary>
    /// The name as DNS carries it: an internationalised name (SMTPUTF8 MAIL FROM, RFC 6532 From)
    /// becomes A-labels (RFC 5891); a name that cannot be converted is returned unchanged.
    /// </summary>
    public static string ToAscii(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.All(char.IsAscii))
            return name;
        try
        {
            return Idn.GetAscii(name.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return name;
        }
    }

    /// <summary>True when <paramref name="name"/> is <paramref name="domain"/> or a subdomain of it (case-insensitive).</summary>
    public static bool IsSameOrBelow(string name, string domain)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(domain);
        name = name.TrimEnd('.');
        domain = domain.TrimEnd('.');
        return name.Equals(domain, StringComparison.OrdinalIgnoreCase)
               || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
    }
}
