namespace RestMail.Grains.Mailboxes;

/// <summary>Add and remove flags and keywords on a set of messages (IMAP STORE +FLAGS/-FLAGS, REST PATCH).</summary>
[GenerateSerializer, Immutable, Alias("RestMail.FlagUpdate")]
public sealed record FlagUpdate
{
    [Id(0)] public required IReadOnlyList<long> MessageIds { get; init; }
    [Id(1)] public MessageFlags Add { get; init; }
    [Id(2)] public MessageFlags Remove { get; init; }
    [Id(3)] public IReadOnlyList<string> AddKeywords { get; init; } = [];
    [Id(4)] public IReadOnlyList<string> RemoveKeywords { get; init; } = [];
    /// <summary>IMAP CONDSTORE UNCHANGEDSINCE (RFC 7162 §3.1.3): skip messages modified after this.</summary>
    [Id(5)] public long? UnchangedSince { get; init; }
}
