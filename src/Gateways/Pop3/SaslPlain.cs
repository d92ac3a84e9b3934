using System.Text;

namespace RestMail.Gateways.Pop3;

/// <summary>RFC 4616 §2 PLAIN: base64 of [authzid] NUL authcid NUL passwd.</summary>
public static class SaslPlain
{
    /// <summary>
    /// False when the text is not base64 (or not UTF-8). True with null credentials when it decodes
    /// but is not a PLAIN message this server accepts (wrong field count, or acting as another user).
    /// </summary>
    public static bool TryDecode(string base64, out (string User, string Password)? credentials)
    {
        credentials = null;
        string decoded;
        try
        {
            // RFC 5034 §4: "=" is an empty initial response.
            decoded = base64 == "=" ? "" : new UTF8Encoding(false, true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return false;
        }
        var fields = decoded.Split('\0');
        if (fields.Length == 3 && (fields[0].Length == 0 || string.Equals(fields[0], fields[1], StringComparison.OrdinalIgnoreCase)))
            credentials = (fields[1], fields[2]);
        return true;
    }
}
