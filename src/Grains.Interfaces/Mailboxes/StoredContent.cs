namespace RestMail.Grains.Mailboxes;

/// <summary>
/// A message whose bytes are already in the blob store: the ordered SHA-256 hashes of its segments
/// (concatenated they give the raw message byte for byte), its size and parsed summary.
/// Grains pass this, never the body itself.
/// </summary>
[GenerateSerializer, Immutable, Alias("RestMail.StoredContent")]
public sealed record StoredContent
{
    [Id(0)] public required IReadOnlyList<byte[]> Segments { get; init; }
    [Id(1)] public required long Size { get; init; }
    [Id(2)] public required MessageSummary Summary { get; init; }
}
