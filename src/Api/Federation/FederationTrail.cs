using System.Text;
using MimeKit.Utils;

namespace RestMail.Api.Federation;

/// <summary>
/// The trace header fields prepended to a message that arrived over REST Mail federation: a Received
/// line (RFC 5321 §4.4) "with RESTMAIL", and an Authentication-Results field (RFC 8601) with the
/// method "restmail" that records which domain's key signed the delivery.
/// </summary>
public static class FederationTrail
{
    public static byte[] Prepend(
        byte[] raw, AuthenticatedSender sender, string hostname, string id, string httpProtocol, IReadOnlyList<string> recipients, DateTimeOffset now)
    {
        var builder = new StringBuilder();
        builder.Append("Received: from ").Append(sender.Endpoint.IdnHost).Append(" (REST Mail federation, ").Append(sender.Endpoint.AbsoluteUri)
            .Append(", ").Append(httpProtocol).Append(")\r\n")
            .Append("\tby ").Append(hostname).Append(" with RESTMAIL id ").Append(id);
        if (recipients.Count == 1)
            builder.Append("\r\n\tfor <").Append(recipients[0]).Append('>');
        builder.Append("; ").Append(DateUtils.FormatDate(now)).Append("\r\n");
        builder.Append("Authentication-Results: ").Append(hostname).Append(";\r\n")
            .Append("\trestmail=pass (ES256 token, key ").Append(sender.Kid).Append(")\r\n")
            .Append("\tsmtp.mailfrom=").Append(sender.Domain).Append("\r\n");
        var trail = Encoding.UTF8.GetBytes(builder.ToString());
        var result = new byte[trail.Length + raw.Length];
        trail.CopyTo(result, 0);
        raw.CopyTo(result, trail.Length);
        return result;
    }
}
