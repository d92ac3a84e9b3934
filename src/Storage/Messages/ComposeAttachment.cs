namespace RestMail.Storage.Messages;

/// <summary>A file to attach, its bytes in base64 (RFC 4648 §4) in <see cref="Content"/>.</summary>
public sealed record ComposeAttachment
{
    public string? FileName { get; init; }
    /// <summary><c>type/subtype</c>; application/octet-stream when absent.</summary>
    public string? ContentType { get; init; }
    public string? Content { get; init; }
    /// <summary>Set to reference the attachment from the HTML body as <c>cid:ContentId</c>; it is then sent inline.</summary>
    public string? ContentId { get; init; }
}
