using System.Globalization;

namespace RestMail.Grains.Queue.MtaSts;

/// <summary>Parses the policy file and the TXT record of RFC 8461.</summary>
public static class MtaStsPolicyParser
{
    /// <summary>The longest max_age honoured (RFC 8461 §3.2: up to 31557600 seconds).</summary>
    public static readonly TimeSpan LongestMaxAge = TimeSpan.FromSeconds(31_557_600);

    /// <summary>
    /// The policy file (RFC 8461 §3.2): "key: value" lines separated by CRLF or LF; version STSv1,
    /// mode and max_age are required, mx (repeatable) too unless the mode is none. Unknown keys are
    /// ignored. Null when the file is not a valid policy.
    /// </summary>
    public static MtaStsPolicy? ParsePolicy(string text, string id, DateTimeOffset fetchedAt)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? version = null, mode = null;
        long? maxAge = null;
        var mx = new List<string>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
                continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                return null;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "version":
                    version = value;
                    break;
                case "mode":
                    mode = value;
                    break;
                case "max_age":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                        return null;
                    maxAge = seconds;
                    break;
                case "mx":
                    if (value.Length == 0)
                        return null;
                    mx.Add(value);
                    break;
            }
        }
        var parsedMode = mode switch
        {
            "enforce" => MtaStsMode.Enforce,
            "testing" => MtaStsMode.Testing,
            "none" => MtaStsMode.None,
            _ => (MtaStsMode?)null,
        };
        if (version != "STSv1" || parsedMode is null || maxAge is null || (parsedMode != MtaStsMode.None && mx.Count == 0))
            return null;
        var age = TimeSpan.FromSeconds(Math.Min(maxAge.Value, (long)LongestMaxAge.TotalSeconds));
        return new MtaStsPolicy(parsedMode.Value, mx, age, id, fetchedAt);
    }

    /// <summary>
    /// The id of a "_mta-sts" TXT record (RFC 8461 §3.1: "v=STSv1; id=...;"), or null when the
    /// record is not an MTA-STS record. The id is 1 to 32 letters and digits.
    /// </summary>
    public static string? ParseRecordId(string record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var fields = record.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0] != "v=STSv1")
            return null;
        foreach (var field in fields.Skip(1))
        {
            if (field.StartsWith("id=", StringComparison.Ordinal))
            {
                var id = field[3..];
                return id.Length is > 0 and <= 32 && id.All(char.IsAsciiLetterOrDigit) ? id : null;
            }
        }
        return null;
    }
}
