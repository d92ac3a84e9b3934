using System.Runtime.InteropServices;
using MimeKit;

namespace RestMail.Storage.Messages;

/// <summary>
/// One parse of a raw message with MimeKit, keeping where in the raw bytes each entity's body lies.
/// Parsing is persistent: part contents stay slices of the raw buffer instead of being copied.
/// </summary>
internal sealed class MimeDocument
{
    // Deep enough for any real message; bounds the work an adversarial nesting can cause.
    private const int MaxMimeDepth = 64;

    private readonly Dictionary<MimeEntity, BodyRange> _ranges;

    private MimeDocument(MimeMessage? message, Dictionary<MimeEntity, BodyRange> ranges, IReadOnlyList<MimeEntity> leavesInOrder)
    {
        Message = message;
        _ranges = ranges;
        LeavesInOrder = leavesInOrder;
    }

    /// <summary>The parsed message, or null when MimeKit could not make sense of the headers at all.</summary>
    public MimeMessage? Message { get; }

    /// <summary>Leaf parts (not multiparts, not message/rfc822 wrappers) in the order their bodies end in the raw bytes.</summary>
    public IReadOnlyList<MimeEntity> LeavesInOrder { get; }

    /// <summary>Where the body of <paramref name="entity"/> lies in the raw bytes (after its header block).</summary>
    public bool TryGetBodyRange(MimeEntity entity, out BodyRange range) => _ranges.TryGetValue(entity, out range);

    public static MimeDocument Parse(ReadOnlyMemory<byte> raw)
    {
        var ranges = new Dictionary<MimeEntity, BodyRange>(ReferenceEqualityComparer.Instance);
        var leaves = new List<MimeEntity>();
        if (raw.IsEmpty)
            return new MimeDocument(null, ranges, leaves);

        // The offsets MimeKit reports are relative to the stream start, i.e. to raw[0].
        var segment = MemoryMarshal.TryGetArray(raw, out var array) ? array : new ArraySegment<byte>(raw.ToArray());
        var stream = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false, publiclyVisible: true);

        var options = ParserOptions.Default.Clone();
        options.MaxMimeDepth = MaxMimeDepth;
        var parser = new MimeParser(options, stream, persistent: true);
        parser.MimeEntityEnd += (_, e) =>
        {
            ranges[e.Entity] = new BodyRange(e.HeadersEndOffset, e.EndOffset);
            if (e.Entity is MimePart)
                leaves.Add(e.Entity);
        };

        try
        {
            var message = parser.ParseMessage();
            return new MimeDocument(message, ranges, leaves);
        }
        catch (FormatException)
        {
            // Not even a header block MimeKit can read: callers fall back to "one opaque body".
            return new MimeDocument(null, [], []);
        }
    }
}
