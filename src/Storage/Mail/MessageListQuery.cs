namespace RestMail.Storage.Mail;

public enum MessageSort
{
    DateDesc = 0,
    DateAsc,
    SizeDesc,
    SizeAsc,
}

/// <param name="Limit">Page size, clamped to 1..500.</param>
/// <param name="Cursor">The opaque NextCursor of the previous page.</param>
public sealed record MessageListQuery(int Limit = 50, string? Cursor = null, MessageSort Sort = MessageSort.DateDesc);

public sealed record MessagePage(IReadOnlyList<MessageListItem> Items, string? NextCursor);
