using System.Globalization;
using System.Text;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// Writes the Authentication-Results header field (RFC 8601 §2.2): the authserv-id, then one
/// resinfo per method, each on its own folded line. Every value that came from the client (MAIL
/// FROM, HELO, header domains) is reduced to characters that cannot end the field or break its
/// syntax (no CR, LF or controls, no ";", "(", ")", quotes or backslashes).
/// </summary>
public static class AuthenticationResultsField
{
    private const int MaxValueLength = 255;

    /// <summary>The field for mail received over the MX port: SPF, DKIM (one resinfo per signature) and DMARC.</summary>
    public static string ForInbound(string authservId, MailAuthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var results = new List<string>
        {
            // RFC 8601 §2.7.2: smtp.mailfrom for the MAIL FROM identity, smtp.helo for the null sender's HELO.
            $"spf={Name(report.Spf.Result)} smtp.{report.Spf.Identity}={Value(report.Spf.IdentityValue)}",
        };
        if (report.Dkim.Count == 0)
            results.Add("dkim=none");
        foreach (var dkim in report.Dkim)
        {
            // RFC 6008 §2: header.b, the start of the signature, tells apart signatures of one domain.
            var builder = new StringBuilder("dkim=").Append(Name(dkim.Result));
            if (dkim.Domain is { Length: > 0 })
                builder.Append(" header.d=").Append(Value(dkim.Domain));
            if (dkim.Selector is { Length: > 0 })
                builder.Append(" header.s=").Append(Value(dkim.Selector));
            if (dkim.SignaturePrefix is { Length: > 0 })
                builder.Append(" header.b=").Append(Value(dkim.SignaturePrefix));
            results.Add(builder.ToString());
        }
        var dmarc = new StringBuilder("dmarc=").Append(Name(report.Dmarc.Result));
        if (report.Dmarc.Policy is { } policy)
            dmarc.Append(CultureInfo.InvariantCulture, $" (p={Name(policy)} pct={report.Dmarc.Percent})");
        if (report.Dmarc.FromDomain is { Length: > 0 } from)
            dmarc.Append(" header.from=").Append(Value(from));
        if (report.Dmarc.Policy is { } applied)
            dmarc.Append(" policy.dmarc=").Append(Name(applied));
        results.Add(dmarc.ToString());
        return Field(authservId, results);
    }

    /// <summary>The field for authenticated submission (RFC 8601 §2.7.4): only the SMTP AUTH identity.</summary>
    public static string ForSubmission(string authservId, string user) =>
        Field(authservId, [$"auth=pass smtp.auth={Value(user)}"]);

    private static string Field(string authservId, IReadOnlyList<string> results)
    {
        var builder = new StringBuilder("Authentication-Results: ").Append(Value(authservId));
        foreach (var result in results)
            builder.Append(";\r\n\t").Append(result);
        return builder.Append("\r\n").ToString();
    }

    /// <summary>A header-safe pvalue: unsafe characters become "?", and it is cut at 255 characters.</summary>
    public static string Value(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(Math.Min(value.Length, MaxValueLength));
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, MaxValueLength)))
            builder.Append(c > ' ' && !char.IsControl(c) && c is not ('(' or ')' or ';' or '"' or '\\') && !char.IsSurrogate(c) ? c : '?');
        return builder.Length == 0 ? "?" : builder.ToString();
    }

    private static string Name<T>(T result) where T : struct, Enum => result.ToString().ToLowerInvariant();
}
