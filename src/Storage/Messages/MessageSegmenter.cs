using MimeKit;

namespace RestMail.Storage.Messages;

/// <summary>
/// Cuts a raw message into skeleton and attachment-body segments (the rule is documented on
/// <see cref="MessageAnalyzer"/>).
/// </summary>
internal static class MessageSegmenter
{
    /// <summary>Bodies smaller than this stay in the skeleton: below it the per-blob overhead outweighs what deduplication saves.</summary>
    public const int MinSegmentBytes = 4096;

    public static IReadOnlyList<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> raw, MimeDocument document)
    {
        var cuts = new List<BodyRange>();
        foreach (var leaf in document.LeavesInOrder)
        {
            if (leaf is MimePart part && IsSeparable(part) && document.TryGetBodyRange(part, out var range)
                && TrimTrailingLineBreaks(raw.Span, range) is { Length: >= MinSegmentBytes } body)
            {
                cuts.Add(body);
            }
        }

        if (cuts.Count == 0)
            return [raw];

        cuts.Sort((a, b) => a.Start.CompareTo(b.Start));
        var segments = new List<ReadOnlyMemory<byte>>(cuts.Count * 2 + 1);
        long position = 0;
        foreach (var cut in cuts)
        {
            // Defensive: a range MimeKit reported that is out of order or out of bounds is left in the
            // skeleton rather than risking a segment list that does not reassemble to the raw bytes.
            if (cut.Start < position || cut.End > raw.Length || cut.Start >= cut.End)
                continue;
            if (cut.Start > position)
                segments.Add(raw[(int)position..(int)cut.Start]);
            segments.Add(raw[(int)cut.Start..(int)cut.End]);
            position = cut.End;
        }
        if (position < raw.Length)
            segments.Add(raw[(int)position..]);
        return segments;
    }

    // Attachments (RFC 2183 disposition), and any non-text leaf such as an inline image: these are the
    // bodies that recur across messages (forwards, replies with attachments, signature logos).
    private static bool IsSeparable(MimePart part) =>
        part.IsAttachment || !part.ContentType.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase);

    // The line break(s) before the next boundary (or the end of the message) stay in the skeleton, so a
    // body's segment is the same whether its part is followed by a boundary, more parts, or nothing.
    private static BodyRange TrimTrailingLineBreaks(ReadOnlySpan<byte> raw, BodyRange range)
    {
        var end = Math.Min(range.End, raw.Length);
        while (end > range.Start && raw[(int)end - 1] is (byte)'\r' or (byte)'\n')
            end--;
        return range with { End = end };
    }
}
