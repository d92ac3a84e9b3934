namespace RestMail.Grains.Mailboxes;

/// <summary>The outcome for one message of a write that touches several.</summary>
[GenerateSerializer, Immutable, Alias("RestMail.MessageChange")]
public sealed record MessageChange
{
    [Id(0)] public required long MessageId { get; init; }
    [Id(1)] public required long FolderId { get; init; }
    [Id(2)] public required long Uid { get; init; }
    [Id(3)] public required long ModSeq { get; init; }
    [Id(4)] public MessageFlags Flags { get; init; }
    [Id(5)] public IReadOnlyList<string> Keywords { get; init; } = [];
}

/// <summary>Messages changed; ids that were not found (or belong to another account) are listed apart.</summary>
[GenerateSerializer, Immutable, Alias("RestMail.BulkResult")]
public sealed record BulkResult
{
    [Id(0)] public IReadOnlyList<MessageChange> Changed { get; init; } = [];
    [Id(1)] public IReadOnlyList<long> NotFound { get; init; } = [];
    /// <summary>For copy and move: the target folder does not exist or quota is exceeded.</summary>
    [Id(2)] public DeliveryStatus Status { get; init; } = DeliveryStatus.Stored;
    /// <summary>For a flag update with UnchangedSince: the messages left alone because they changed after it.</summary>
    [Id(3)] public IReadOnlyList<long> Modified { get; init; } = [];
}
