namespace RestMail.Storage.Messages;

/// <summary>A downloaded attachment: its decoded bytes and what to call them.</summary>
public sealed record AttachmentContent(string ContentType, string? FileName, byte[] Content);
