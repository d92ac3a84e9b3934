namespace RestMail.Grains.Mailboxes;

public enum FolderStatus
{
    Ok = 0,
    NotFound,
    NameTaken,
    InvalidName,
    /// <summary>Special-use folders (Inbox in particular) cannot be deleted or renamed away.</summary>
    Protected,
    /// <summary>Another folder already has the requested role: each role belongs to one folder per account.</summary>
    RoleTaken,
}

[GenerateSerializer, Immutable, Alias("RestMail.FolderResult")]
public sealed record FolderResult
{
    [Id(0)] public required FolderStatus Status { get; init; }
    [Id(1)] public long FolderId { get; init; }
    [Id(2)] public long ModSeq { get; init; }
}
