namespace RestMail.Storage.Messages;

/// <summary>A half-open byte range [Start, End) in the raw message.</summary>
internal readonly record struct BodyRange(long Start, long End)
{
    public long Length => End - Start;
}
