using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RestMail.Storage.Messages;

/// <summary>
/// Validates an addr-spec and brings it to the one form used for lookups and storage:
/// lower-case <c>local@domain</c> with the domain in IDNA ASCII (punycode) form.
/// </summary>
/// <remarks>
/// Accepts a bare addr-spec, optionally in angle brackets (as SMTP paths carry it). Display names,
/// comments, obsolete routes and groups are rejected: callers that hold a header value parse it with
/// MimeKit first and pass the mailbox's address here.
/// The local part is lower-cased even though RFC 5321 §2.4 lets it be case-sensitive: every mailbox
/// this server hosts is case-insensitive, and one canonical form keeps aliases and lookups simple.
/// </remarks>
public static class AddressNormalizer
{
    // RFC 5321 §4.5.3.1.1 (local part) and §4.5.3.1.2 (domain); 254 is the longest usable path minus its brackets.
    private const int MaxLocalLength = 64;
    private const int MaxDomainLength = 253;
    private const int MaxAddressLength = 254;
    private const int MaxLabelLength = 63;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Normalise <paramref name="input"/>; false when it is not a valid addr-spec.</summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(input))
            return false;

        var s = input.Trim();
        if (s.Length >= 2 && s[0] == '<' && s[^1] == '>')
            s = s[1..^1];

        var at = s.LastIndexOf('@');
        if (at <= 0 || at == s.Length - 1)
            return false;

        var local = s[..at];
        if (!IsValidLocalPart(local) || !TryNormalizeDomainCore(s[(at + 1)..], allowLiteral: true, out var domain))
            return false;

        var result = local.ToLowerInvariant() + "@" + domain;
        if (result.Length > MaxAddressLength)
            return false;

        address = result;
        return true;
    }

    /// <summary>Normalise an address, or null when it is invalid.</summary>
    public static string? Normalize(string? input) => TryNormalize(input, out var address) ? address : null;

    /// <summary>
    /// Normalise a bare domain name (no address literal) to lower-case IDNA ASCII form,
    /// e.g. <c>Bücher.Example</c> becomes <c>xn--bcher-kva.example</c>.
    /// </summary>
    public static bool TryNormalizeDomain(string? input, [NotNullWhen(true)] out string? domain)
    {
        domain = null;
        return !string.IsNullOrWhiteSpace(input) && TryNormalizeDomainCore(input.Trim(), allowLiteral: false, out domain);
    }

    private static bool IsValidLocalPart(string local)
    {
        if (local.Length == 0 || local.Length > MaxLocalLength)
            return false;

        // RFC 5321 §4.1.2: Local-part = Dot-string / Quoted-string.
        if (local[0] == '"')
            return IsValidQuotedString(local);

        // Dot-string: atoms separated by single dots, no leading or trailing dot.
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
            return false;

        foreach (var c in local)
        {
            if (c != '.' && !IsAtext(c))
                return false;
        }
        return true;
    }

    private static bool IsValidQuotedString(string local)
    {
        if (local.Length < 2 || local[^1] != '"')
            return false;

        for (var i = 1; i < local.Length - 1; i++)
        {
            var c = local[i];
            if (c == '\\')
            {
                // quoted-pair: a backslash and one printable character (RFC 5321 §4.1.2).
                i++;
                if (i >= local.Length - 1 || local[i] < 0x20 || local[i] == 0x7f)
                    return false;
                continue;
            }
            if (c == '"' || c < 0x20 || c == 0x7f)
                return false;
        }
        return true;
    }

    // RFC 5322 §3.2.3 atext, widened by RFC 6531 §3.3 to any non-ASCII character (SMTPUTF8).
    private static bool IsAtext(char c) =>
        c > 0x7f
            ? !char.IsControl(c) && !char.IsWhiteSpace(c)
            : char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal);

    private static bool TryNormalizeDomainCore(string domain, bool allowLiteral, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (domain.Length == 0)
            return false;

        if (domain[0] == '[')
            return allowLiteral && TryNormalizeLiteral(domain, out normalized);

        // A single trailing dot is the DNS root, not part of a mail domain.
        if (domain[^1] == '.')
            return false;

        string ascii;
        try
        {
            // IDNA2008-style mapping to A-labels (RFC 5891); also lower-cases and rejects non-LDH ASCII.
            ascii = Idn.GetAscii(domain);
        }
        catch (ArgumentException)
        {
            return false;
        }

        ascii = ascii.ToLowerInvariant();
        if (ascii.Length > MaxDomainLength)
            return false;

        foreach (var label in ascii.Split('.'))
        {
            // RFC 1035 §2.3.1 / RFC 5321 §4.1.2 sub-domain: letters, digits and inner hyphens.
            if (label.Length == 0 || label.Length > MaxLabelLength || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                    return false;
            }
        }

        normalized = ascii;
        return true;
    }

    // RFC 5321 §4.1.3 address literals: [192.0.2.1] or [IPv6:2001:db8::1].
    private static bool TryNormalizeLiteral(string domain, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (domain.Length < 3 || domain[^1] != ']')
            return false;

        var inner = domain[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            if (!IPAddress.TryParse(inner[5..], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                return false;
            normalized = "[IPv6:" + v6.ToString() + "]";
            return true;
        }

        if (!IPAddress.TryParse(inner, out var v4) || v4.AddressFamily != AddressFamily.InterNetwork
            || inner.Count(c => c == '.') != 3)
            return false;
        normalized = "[" + v4.ToString() + "]";
        return true;
    }
}
