namespace RestMail.Api.Messages;

/// <summary>PATCH a message: add or remove flags and keywords, and/or move it to folder_id.</summary>
public sealed record UpdateMessageRequest(
    IReadOnlyList<string>? AddFlags,
    IReadOnlyList<string>? RemoveFlags,
    IReadOnlyList<string>? AddKeywords,
    IReadOnlyList<string>? RemoveKeywords,
    long? FolderId);
