namespace RestMail.Grains.Mailboxes;

public enum DeliveryStatus
{
    Stored = 0,
    /// <summary>Account or domain quota would be exceeded: a temporary failure, nothing stored.</summary>
    OverQuota,
    FolderNotFound,
    /// <summary>A segment was not in the blob store (collected before it was referenced): retry from the raw bytes.</summary>
    ContentMissing,
    AccountNotFound,
}

[GenerateSerializer, Immutable, Alias("RestMail.DeliveryResult")]
public sealed record DeliveryResult
{
    [Id(0)] public required DeliveryStatus Status { get; init; }
    [Id(1)] public long MessageId { get; init; }
    [Id(2)] public long FolderId { get; init; }
    [Id(3)] public long Uid { get; init; }
    [Id(4)] public long ModSeq { get; init; }

    public static DeliveryResult Failed(DeliveryStatus status) => new() { Status = status };
}
