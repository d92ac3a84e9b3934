namespace RestMail.Storage.Blobs;

/// <summary>Orders and compares hashes by content (unsigned bytes, as PostgreSQL orders bytea).</summary>
public sealed class ByteArrayComparer : IComparer<byte[]>, IEqualityComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => BitConverter.ToInt32(obj, 0);
}
