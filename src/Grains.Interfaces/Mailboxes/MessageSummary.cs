namespace RestMail.Grains.Mailboxes;

/// <summary>
/// The parsed envelope of a message, computed once at acceptance and stored beside it so that
/// listing, threading and search never re-parse the raw bytes.
/// </summary>
[GenerateSerializer, Immutable, Alias("RestMail.MessageSummary")]
public sealed record MessageSummary
{
    [Id(0)] public string? FromAddress { get; init; }
    [Id(1)] public string? FromName { get; init; }
    [Id(2)] public IReadOnlyList<string> To { get; init; } = [];
    [Id(3)] public IReadOnlyList<string> Cc { get; init; } = [];
    [Id(4)] public string? Subject { get; init; }
    [Id(5)] public DateTimeOffset? Date { get; init; }
    [Id(6)] public string? MessageId { get; init; }
    [Id(7)] public string? InReplyTo { get; init; }
    [Id(8)] public IReadOnlyList<string> References { get; init; } = [];
    [Id(9)] public bool HasAttachments { get; init; }
    /// <summary>The first characters of the text body, whitespace collapsed.</summary>
    [Id(10)] public string Preview { get; init; } = "";
}
