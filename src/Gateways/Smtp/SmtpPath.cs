namespace RestMail.Gateways.Smtp;

/// <summary>
/// The argument of MAIL FROM / RCPT TO: a path in angle brackets (RFC 5321 §4.1.2) and ESMTP
/// parameters "KEY[=VALUE]" separated by spaces. A space after the colon is tolerated, as most MTAs do.
/// </summary>
public sealed record SmtpPath(string Address, IReadOnlyList<KeyValuePair<string, string?>> Parameters)
{
    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the brackets.</summary>
    public const int MaxPathLength = 256;

    public static bool TryParse(string argument, string prefix, out SmtpPath path)
    {
        path = null!;
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return false;
        var rest = argument.AsSpan(prefix.Length).TrimStart(' ');
        if (rest.Length == 0 || rest[0] != '<')
            return false;
        var close = FindClosingBracket(rest);
        if (close < 0 || close + 1 > MaxPathLength)
            return false;
        var address = rest[1..close].ToString();
        // RFC 5321 §4.1.2 / Appendix C: a source route ("@a,@b:user@c") is accepted and ignored.
        if (address.StartsWith('@'))
        {
            var colon = address.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
                return false;
            address = address[(colon + 1)..];
        }
        var parameters = new List<KeyValuePair<string, string?>>();
        var tail = rest[(close + 1)..];
        if (tail.Length > 0 && tail[0] != ' ')
            return false;
        foreach (var token in tail.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? token : token[..equals];
            if (key.Length == 0)
                return false;
            parameters.Add(new(key.ToUpperInvariant(), equals < 0 ? null : token[(equals + 1)..]));
        }
        path = new SmtpPath(address, parameters);
        return true;
    }

    private static int FindClosingBracket(ReadOnlySpan<char> text)
    {
        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\' when quoted:
                    i++;
                    break;
                case '"':
                    quoted = !quoted;
                    break;
                case '>' when !quoted:
                    return i;
            }
        }
        return -1;
    }
}
