namespace RestMail.Api.Messages;

public enum BulkAction
{
    Flag,
    Unflag,
    Move,
    Copy,
    Delete,
}

/// <summary>
/// One action on many messages: flag/unflag take flags and keywords; move/copy take folder_id;
/// delete moves to Trash unless permanent (or already in Trash).
/// </summary>
public sealed record BulkRequest(
    IReadOnlyList<long>? Ids,
    BulkAction? Action,
    IReadOnlyList<string>? Flags,
    IReadOnlyList<string>? Keywords,
    long? FolderId,
    bool Permanent = false);
