namespace RestMail.Grains.Mailboxes;

/// <summary>
/// A message for the blob store: the ordered SHA-256 hashes of its segments (concatenated they give
/// the raw message byte for byte), its size and parsed summary. Its bytes are in the blob store
/// already, or, for a small message, travel along in <see cref="UnstoredSegments"/> until the
/// transaction that files it writes them.
/// </summary>
[GenerateSerializer, Immutable, Alias("RestMail.StoredContent")]
public sealed record StoredContent
{
    [Id(0)] public required IReadOnlyList<byte[]> Segments { get; init; }
    [Id(1)] public required long Size { get; init; }
    [Id(2)] public required MessageSummary Summary { get; init; }
    /// <summary>
    /// The bytes of each segment (parallel to <see cref="Segments"/>) while they are not stored yet;
    /// null once they are. Only small messages carry them: see BlobStore.PrepareAsync.
    /// </summary>
    [Id(3)] public IReadOnlyList<byte[]>? UnstoredSegments { get; init; }
}
