namespace RestMail.Grains.Mailboxes;

/// <summary>Store one message into one account's folder.</summary>
[GenerateSerializer, Immutable, Alias("RestMail.DeliveryRequest")]
public sealed record DeliveryRequest
{
    [Id(0)] public required StoredContent Content { get; init; }
    /// <summary>The target folder; when null the folder with <see cref="Role"/> is used.</summary>
    [Id(1)] public long? FolderId { get; init; }
    [Id(2)] public FolderRole Role { get; init; } = FolderRole.Inbox;
    [Id(3)] public MessageFlags Flags { get; init; }
    [Id(4)] public IReadOnlyList<string> Keywords { get; init; } = [];
    [Id(5)] public DateTimeOffset? InternalDate { get; init; }
}
