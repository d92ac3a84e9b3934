namespace RestMail.Storage.Messages;

/// <summary>One attachment of a message as the API lists it.</summary>
public sealed record AttachmentInfo
{
    /// <summary>0-based position among the message's attachments; pass it to <see cref="MessageView.GetAttachment"/>.</summary>
    public required int Index { get; init; }

    /// <summary>The decoded file name (RFC 2183 / RFC 2231), or null when the part has none.</summary>
    public string? FileName { get; init; }

    /// <summary>Lower-case <c>type/subtype</c>.</summary>
    public required string ContentType { get; init; }

    /// <summary>Size in bytes after transfer decoding.</summary>
    public required long Size { get; init; }

    /// <summary>The Content-ID without angle brackets, which cid: URLs in the HTML refer to (RFC 2392).</summary>
    public string? ContentId { get; init; }

    /// <summary>Whether the part is meant to be shown within the body rather than offered as a file.</summary>
    public bool Inline { get; init; }
}
