namespace RestMail.Gateways.Imap;

public enum ImapFetchKind
{
    Uid,
    Flags,
    InternalDate,
    Size,
    Envelope,
    BodyStructure,
    Body,
    Section,
    Binary,
    BinarySize,
    ModSeq,
}

/// <summary>
/// One FETCH attribute (RFC 9051 §6.4.5). For sections: the part path, the text specifier (HEADER,
/// HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME or empty), the header field names, the partial range.
/// </summary>
public sealed record ImapFetchItem(ImapFetchKind Kind)
{
    public IReadOnlyList<int> Path { get; init; } = [];

    public string Text { get; init; } = "";

    public IReadOnlyList<string> Fields { get; init; } = [];

    public long? Origin { get; init; }

    public long? Count { get; init; }

    /// <summary>BODY.PEEK, BINARY.PEEK, RFC822.HEADER: reading does not set \Seen.</summary>
    public bool Peek { get; init; }

    /// <summary>The name the response uses (RFC822, RFC822.HEADER and RFC822.TEXT answer under their own names).</summary>
    public string? Alias { get; init; }

    /// <summary>The item's name in the response, e.g. BODY[1.HEADER.FIELDS (SUBJECT)]&lt;0&gt;.</summary>
    public string Label
    {
        get
        {
            if (Alias is not null)
                return Alias;
            var section = string.Join('.', Path.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (Text.Length > 0)
                section = section.Length > 0 ? section + "." + Text : Text;
            if (Fields.Count > 0)
                section += " (" + string.Join(' ', Fields) + ")";
            var name = Kind switch
            {
                ImapFetchKind.Binary => "BINARY",
                ImapFetchKind.BinarySize => "BINARY.SIZE",
                _ => "BODY",
            };
            var origin = Origin is { } o && Kind != ImapFetchKind.BinarySize ? FormattableString.Invariant($"<{o}>") : "";
            return $"{name}[{section}]{origin}";
        }
    }
}
