namespace RestMail.Storage.Federation;

/// <summary>
/// Parses the two ways a REST Mail server announces its endpoint: the TXT record
/// <c>_restmail.&lt;domain&gt;</c> = <c>v=restmail1 endpoint=https://host/v1</c>, and the EHLO keyword
/// <c>X-RESTMAIL v1 https://host/v1</c> (or the bare <c>RESTMAIL https://host/v1</c> of the first servers).
/// </summary>
public static class FederationDiscovery
{
    public const string TxtVersion = "v=restmail1";
    public const string EhloKeyword = "X-RESTMAIL";
    public const string LegacyEhloKeyword = "RESTMAIL";
    public const string ProtocolVersion = "v1";

    /// <summary>The DNS name that holds a domain's discovery record.</summary>
    public static string TxtName(string domain) => "_restmail." + domain.TrimEnd('.');

    /// <summary>The TXT record value announcing <paramref name="endpoint"/>.</summary>
    public static string TxtValue(Uri endpoint) => $"{TxtVersion} endpoint={Trim(endpoint)}";

    /// <summary>The EHLO keyword line announcing <paramref name="endpoint"/>.</summary>
    public static string EhloLine(Uri endpoint) => $"{EhloKeyword} {ProtocolVersion} {Trim(endpoint)}";

    /// <summary>
    /// The endpoint of a domain from its TXT records (each record's strings already joined). Like SPF
    /// (RFC 7208 §4.5), records not starting with the version tag are ignored and more than one
    /// REST Mail record means none: the domain's intent is ambiguous.
    /// </summary>
    public static Uri? FromTxtRecords(IEnumerable<string> records)
    {
        Uri? found = null;
        foreach (var record in records)
        {
            var tags = record.Split([' ', '\t', ';'], StringSplitOptions.RemoveEmptyEntries);
            if (tags.Length == 0 || !tags[0].Equals(TxtVersion, StringComparison.OrdinalIgnoreCase))
                continue;
            if (found is not null)
                return null;
            var endpoint = tags.Skip(1).FirstOrDefault(t => t.StartsWith("endpoint=", StringComparison.OrdinalIgnoreCase));
            if (endpoint is null || !TryParseEndpoint(endpoint["endpoint=".Length..], out var uri))
                return null;
            found = uri;
        }
        return found;
    }

    /// <summary>One EHLO extension line (without the "250-" prefix): the endpoint it announces, if any.</summary>
    public static Uri? FromEhloLine(string line)
    {
        var words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 3 && words[0].Equals(EhloKeyword, StringComparison.OrdinalIgnoreCase)
            && words[1].Equals(ProtocolVersion, StringComparison.OrdinalIgnoreCase))
            return TryParseEndpoint(words[2], out var uri) ? uri : null;
        if (words.Length == 2 && (words[0].Equals(LegacyEhloKeyword, StringComparison.OrdinalIgnoreCase) || words[0].Equals(EhloKeyword, StringComparison.OrdinalIgnoreCase)))
            return TryParseEndpoint(words[1], out var uri) ? uri : null;
        return null;
    }

    /// <summary>An absolute https URI without query or fragment; plain http is never accepted.</summary>
    public static bool TryParseEndpoint(string? value, out Uri endpoint)
    {
        endpoint = null!;
        if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri))
            return false;
        if (uri.Scheme != Uri.UriSchemeHttps || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            return false;
        endpoint = new Uri(Trim(uri));
        return true;
    }

    /// <summary>The endpoint followed by a path (e.g. "deliver"), with exactly one slash between.</summary>
    public static Uri Combine(Uri endpoint, string path) => new(Trim(endpoint) + "/" + path.TrimStart('/'));

    private static string Trim(Uri endpoint) => endpoint.AbsoluteUri.TrimEnd('/');
}
