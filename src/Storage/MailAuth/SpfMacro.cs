using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// Macro expansion (RFC 7208 §7): "%{" letter [digits] ["r"] *delimiter "}", "%%", "%_", "%-".
/// The letters c, r and t are only allowed in the exp= text, which REST Mail does not use, so here
/// they are syntax errors like any unknown letter.
/// </summary>
public static class SpfMacro
{
    private const string Delimiters = ".-+,/_=";

    /// <summary>The context used to check a record's syntax before anything is evaluated (§4.6).</summary>
    private static readonly SpfMacroContext SyntaxProbe = new("postmaster@probe.invalid", "probe.invalid", IPAddress.Loopback, "probe.invalid");

    /// <summary>True when the macro-string is well formed.</summary>
    public static bool IsValid(string macroString) => TryExpand(macroString, SyntaxProbe, out _);

    /// <summary>Expands a macro-string; false on a syntax error (which makes the record a permerror).</summary>
    public static bool TryExpand(string macroString, SpfMacroContext context, out string expanded)
    {
        ArgumentNullException.ThrowIfNull(macroString);
        ArgumentNullException.ThrowIfNull(context);
        expanded = "";
        var builder = new StringBuilder(macroString.Length + 32);
        for (var i = 0; i < macroString.Length; i++)
        {
            var c = macroString[i];
            if (c != '%')
            {
                // macro-literal = %x21-24 / %x26-7E
                if (c is < '!' or > '~')
                    return false;
                builder.Append(c);
                continue;
            }
            if (++i >= macroString.Length)
                return false;
            switch (macroString[i])
            {
                case '%':
                    builder.Append('%');
                    break;
                case '_':
                    builder.Append(' ');
                    break;
                case '-':
                    builder.Append("%20");
                    break;
                case '{':
                    var end = macroString.IndexOf('}', i);
                    if (end < 0 || !TryExpandOne(macroString.AsSpan(i + 1, end - i - 1), context, builder))
                        return false;
                    i = end;
                    break;
                default:
                    return false;
            }
        }
        expanded = builder.ToString();
        return true;
    }

    /// <summary>RFC 7208 §7.3: a domain longer than 253 octets loses labels from the left until it fits.</summary>
    public static string TruncateDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        while (domain.Length > 253 && domain.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0)
            domain = domain[(dot + 1)..];
        return domain;
    }

    /// <summary>One "%{...}" body: a letter, optional digits, optional "r", then delimiters.</summary>
    private static bool TryExpandOne(ReadOnlySpan<char> body, SpfMacroContext context, StringBuilder output)
    {
        if (body.IsEmpty || Value(char.ToLowerInvariant(body[0]), context) is not { } value)
            return false;
        var escape = char.IsUpper(body[0]);
        var rest = body[1..];
        var digits = 0;
        while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            digits++;
        var keep = int.MaxValue;
        if (digits > 0)
        {
            // §7.3: the digit transformer must be nonzero.
            if (!int.TryParse(rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out keep) || keep == 0)
                return false;
        }
        rest = rest[digits..];
        var reverse = rest.Length > 0 && (rest[0] is 'r' or 'R');
        if (reverse)
            rest = rest[1..];
        foreach (var delimiter in rest)
        {
            if (!Delimiters.Contains(delimiter, StringComparison.Ordinal))
                return false;
        }
        var delimiters = rest.IsEmpty ? "." : rest.ToString();

        IEnumerable<string> parts = value.Split(delimiters.ToCharArray());
        if (reverse)
            parts = parts.Reverse();
        var list = parts.ToList();
        if (list.Count > keep)
            list = list.GetRange(list.Count - keep, keep);
        var result = string.Join('.', list);
        // §7.3: uppercase macro letters are URL-escaped.
        output.Append(escape ? Uri.EscapeDataString(result) : result);
        return true;
    }

    private static string? Value(char letter, SpfMacroContext context) => letter switch
    {
        's' => context.Sender,
        'l' => context.LocalPart,
        'o' => context.SenderDomain,
        'd' => context.Domain,
        'i' => DottedAddress(context.Client),
        // %{p}: the validated name of the client is costly and discouraged (§7.3); "unknown" is the
        // value the RFC gives when no validated name is found.
        'p' => "unknown",
        'v' => context.Client.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
        'h' => context.Helo,
        _ => null,
    };

    /// <summary>%{i}: dotted quad for IPv4, dot-separated nibbles for IPv6 (§7.3).</summary>
    private static string DottedAddress(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        var nibbles = new List<char>(64);
        foreach (var b in bytes)
        {
            nibbles.Add(char.ToLowerInvariant(Convert.ToHexString([b])[0]));
            nibbles.Add(char.ToLowerInvariant(Convert.ToHexString([b])[1]));
        }
        return string.Join('.', nibbles);
    }
}
