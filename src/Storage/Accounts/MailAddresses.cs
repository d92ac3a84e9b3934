using System.Globalization;

namespace RestMail.Storage.Accounts;

/// <summary>
/// Normalises domain names and addresses to the stored form: lower-case, domain in IDNA (punycode)
/// form. The local part is lower-cased too: REST Mail treats local parts case-insensitively.
/// </summary>
public static class MailAddresses
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254.</summary>
    public const int MaxAddressLength = 254;

    public static bool TryNormalizeDomain(string? input, out string domain)
    {
        domain = "";
        if (string.IsNullOrWhiteSpace(input))
            return false;
        var trimmed = input.Trim().TrimEnd('.');
        if (trimmed.Length == 0 || trimmed.Length > 253 || !trimmed.Contains('.', StringComparison.Ordinal))
            return false;
        try
        {
            domain = Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return false;
        }
        return domain.Length <= 253;
    }

    public static bool TryNormalizeAddress(string? input, out string address, out string domain)
    {
        address = "";
        domain = "";
        if (string.IsNullOrWhiteSpace(input))
            return false;
        var trimmed = input.Trim();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1)
            return false;
        var local = trimmed[..at];
        // RFC 5321 §4.5.3.1.1: the local part is at most 64 octets; only dot-atom local parts are hosted.
        if (local.Length > 64 || local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (var c in local)
        {
            if (c <= ' ' || c >= 127 || "()<>[]:;@\\,\"".Contains(c, StringComparison.Ordinal))
                return false;
        }
        if (!TryNormalizeDomain(trimmed[(at + 1)..], out domain))
            return false;
        address = $"{local.ToLowerInvariant()}@{domain}";
        return address.Length <= MaxAddressLength;
    }
}
