namespace RestMail.Api.Messages;

/// <summary>Byte-level edits of a raw message's header block that leave every other byte as it was.</summary>
internal static class RawHeaders
{
    /// <summary>
    /// Removes every field with the given name (and its folded continuation lines) from the header
    /// block, as sendmail -t does with Bcc (RFC 5322 §3.6.3): blind copies stay blind.
    /// </summary>
    public static byte[] RemoveField(byte[] raw, string name)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var output = new List<byte>(raw.Length);
        var position = 0;
        var removing = false;
        while (position < raw.Length)
        {
            var end = Array.IndexOf(raw, (byte)'\n', position);
            var lineEnd = end < 0 ? raw.Length : end + 1;
            var line = raw.AsSpan(position, lineEnd - position);
            var blank = line.Length == 0 || line[0] == '\n' || (line[0] == '\r' && line.Length > 1 && line[1] == '\n');
            if (blank)
            {
                // End of the header block: the body is copied untouched.
                output.AddRange(raw.AsSpan(position).ToArray());
                return [.. output];
            }
            var continuation = line[0] is (byte)' ' or (byte)'\t';
            if (!continuation)
                removing = IsField(line, name);
            if (!removing)
                output.AddRange(line.ToArray());
            position = lineEnd;
        }
        return [.. output];
    }

    private static bool IsField(ReadOnlySpan<byte> line, string name)
    {
        if (line.Length <= name.Length)
            return false;
        for (var i = 0; i < name.Length; i++)
        {
            if (char.ToLowerInvariant((char)line[i]) != char.ToLowerInvariant(name[i]))
                return false;
        }
        var rest = line[name.Length..];
        var colon = rest.TrimStart(" \t"u8);
        return colon.Length > 0 && colon[0] == ':';
    }
}
