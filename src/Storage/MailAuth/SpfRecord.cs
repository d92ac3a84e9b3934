using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// A parsed SPF record (RFC 7208 §4.6.1, ABNF in §12). The whole record is parsed before any
/// mechanism is evaluated, so that a syntax error anywhere is a permerror (§4.6).
/// </summary>
public sealed class SpfRecord
{
    private SpfRecord(IReadOnlyList<SpfMechanism> mechanisms, string? redirect)
    {
        Mechanisms = mechanisms;
        Redirect = redirect;
    }

    public IReadOnlyList<SpfMechanism> Mechanisms { get; }

    /// <summary>The redirect= domain-spec (§6.1), unexpanded.</summary>
    public string? Redirect { get; }

    /// <summary>§6.1: redirect is ignored when the record has an "all" mechanism anywhere.</summary>
    public bool HasAll => Mechanisms.Any(m => m.Kind == SpfMechanismKind.All);

    /// <summary>§4.5: a TXT record is an SPF record when it is "v=spf1" alone or followed by a space.</summary>
    public static bool IsSpfRecord(string txt)
    {
        ArgumentNullException.ThrowIfNull(txt);
        return txt.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (txt.Length == 6 || txt[6] == ' ');
    }

    /// <summary>Parses the record; null on any syntax error.</summary>
    public static SpfRecord? Parse(string txt)
    {
        if (!IsSpfRecord(txt))
            return null;
        var mechanisms = new List<SpfMechanism>();
        string? redirect = null;
        var sawExp = false;
        foreach (var term in txt[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ModifierName(term) is { } name)
            {
                var value = term[(name.Length + 1)..];
                if (!SpfMacro.IsValid(value))
                    return null;
                if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase))
                {
                    // §6: redirect and exp each appear at most once.
                    if (redirect is not null || !IsDomainSpec(value))
                        return null;
                    redirect = value;
                }
                else if (name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                {
                    // The explanation is not used (REST Mail does not reject on SPF), but a second one is still an error.
                    if (sawExp)
                        return null;
                    sawExp = true;
                }
                // §6: unknown modifiers are ignored.
                continue;
            }
            if (ParseDirective(term) is not { } mechanism)
                return null;
            mechanisms.Add(mechanism);
        }
        return new SpfRecord(mechanisms, redirect);
    }

    /// <summary>A modifier is name "=" macro-string, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).</summary>
    private static string? ModifierName(string term)
    {
        var equals = term.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !char.IsAsciiLetter(term[0]))
            return null;
        for (var i = 1; i < equals; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(term[i]) || term[i] is '-' or '_' or '.'))
                return null;
        }
        return term[..equals];
    }

    private static SpfMechanism? ParseDirective(string term)
    {
        var qualifier = term[0] switch
        {
            '+' => SpfQualifier.Pass,
            '-' => SpfQualifier.Fail,
            '~' => SpfQualifier.SoftFail,
            '?' => SpfQualifier.Neutral,
            _ => (SpfQualifier?)null,
        };
        var body = qualifier is null ? term : term[1..];
        var nameEnd = body.IndexOfAny([':', '/']);
        var name = (nameEnd < 0 ? body : body[..nameEnd]).ToLowerInvariant();
        var argument = nameEnd < 0 ? null : body[nameEnd..];
        var q = qualifier ?? SpfQualifier.Pass;
        return name switch
        {
            "all" => argument is null ? new SpfMechanism(q, SpfMechanismKind.All) : null,
            "include" => RequiredDomain(argument) is { } spec ? new SpfMechanism(q, SpfMechanismKind.Include, spec) : null,
            "exists" => RequiredDomain(argument) is { } spec ? new SpfMechanism(q, SpfMechanismKind.Exists, spec) : null,
            "ptr" => argument is null ? new SpfMechanism(q, SpfMechanismKind.Ptr)
                : RequiredDomain(argument) is { } spec ? new SpfMechanism(q, SpfMechanismKind.Ptr, spec) : null,
            "a" => DomainWithCidr(q, SpfMechanismKind.A, argument),
            "mx" => DomainWithCidr(q, SpfMechanismKind.Mx, argument),
            "ip4" => Network(q, SpfMechanismKind.Ip4, argument, AddressFamily.InterNetwork, 32),
            "ip6" => Network(q, SpfMechanismKind.Ip6, argument, AddressFamily.InterNetworkV6, 128),
            _ => null,
        };
    }

    /// <summary>":" domain-spec, required.</summary>
    private static string? RequiredDomain(string? argument) =>
        argument is [':', .. var spec] && IsDomainSpec(spec) ? spec : null;

    /// <summary>a and mx: [ ":" domain-spec ] [ dual-cidr-length ] (§5.3, §5.4, §5.6).</summary>
    private static SpfMechanism? DomainWithCidr(SpfQualifier qualifier, SpfMechanismKind kind, string? argument)
    {
        if (argument is null)
            return new SpfMechanism(qualifier, kind);
        string? spec = null;
        var cidr = argument;
        if (argument[0] == ':')
        {
            // Domain names have no "/", so the first one starts the CIDR length.
            var slash = argument.IndexOf('/', StringComparison.Ordinal);
            spec = slash < 0 ? argument[1..] : argument[1..slash];
            cidr = slash < 0 ? "" : argument[slash..];
            if (!IsDomainSpec(spec))
                return null;
        }
        if (!TryParseDualCidr(cidr, out var ip4, out var ip6))
            return null;
        return new SpfMechanism(qualifier, kind, spec, Ip4Prefix: ip4, Ip6Prefix: ip6);
    }

    /// <summary>dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]: "", "/24", "//64", "/24//64".</summary>
    private static bool TryParseDualCidr(string text, out int ip4, out int ip6)
    {
        ip4 = 32;
        ip6 = 128;
        if (text.Length == 0)
            return true;
        var six = text.IndexOf("//", StringComparison.Ordinal);
        var four = six < 0 ? text : text[..six];
        if (four.Length > 0 && !(four[0] == '/' && TryParseLength(four[1..], 32, out ip4)))
            return false;
        return six < 0 || TryParseLength(text[(six + 2)..], 128, out ip6);
    }

    /// <summary>ip4:network[/len] and ip6:network[/len] (§5.6).</summary>
    private static SpfMechanism? Network(SpfQualifier qualifier, SpfMechanismKind kind, string? argument, AddressFamily family, int maxLength)
    {
        if (argument is not [':', .. var value])
            return null;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var length = maxLength;
        if (slash >= 0 && !TryParseLength(value[(slash + 1)..], maxLength, out length))
            return null;
        var addressText = slash < 0 ? value : value[..slash];
        // IPAddress.TryParse also takes "1.2" or "010.1.1.1"; an ip4-network is exactly four decimal octets.
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily != family
            || (family == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
            return null;
        return kind == SpfMechanismKind.Ip4
            ? new SpfMechanism(qualifier, kind, Network: address, Ip4Prefix: length)
            : new SpfMechanism(qualifier, kind, Network: address, Ip6Prefix: length);
    }

    private static bool TryParseLength(string text, int max, out int length) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length) && length <= max
        && (text.Length == 1 || text[0] != '0');

    /// <summary>
    /// domain-spec = macro-string domain-end (§7.1): well-formed macros, and unless it ends in a macro,
    /// a last label that is a plausible top-level label (not all digits).
    /// </summary>
    private static bool IsDomainSpec(string spec)
    {
        if (spec.Length == 0 || !SpfMacro.IsValid(spec))
            return false;
        var trimmed = spec.TrimEnd('.');
        if (trimmed.EndsWith('}'))
            return true;
        var dot = trimmed.LastIndexOf('.');
        if (dot < 0)
            return false;
        var top = trimmed[(dot + 1)..];
        return top.Length > 0 && top.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
               && top.Any(char.IsAsciiLetter) && top[0] != '-' && top[^1] != '-';
    }
}
