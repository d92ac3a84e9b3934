using System.Globalization;
using System.Text;

namespace RestMail.Gateways.Smtp;

/// <summary>
/// RFC 3461 §4 xtext: printable ASCII except '+' and '=', and "+XX" (two upper-case hex digits) for
/// any other byte. ENVID and ORCPT values arrive in it.
/// </summary>
public static class XText
{
    /// <summary>The decoded text, or null when the value is not valid xtext.</summary>
    public static string? Decode(string value)
    {
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !IsUpperHex(value[i + 1]) || !IsUpperHex(value[i + 2]))
                    return null;
                bytes.Add(byte.Parse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else if (c is >= '!' and <= '~' and not '=')
            {
                bytes.Add((byte)c);
            }
            else
            {
                return null;
            }
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool IsUpperHex(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'F');
}
