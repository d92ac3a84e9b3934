using MimeKit;
using RestMail.Grains.Mailboxes;

namespace RestMail.Storage.Messages;

/// <summary>
/// Reads a raw message once at acceptance: summary, search text and storage segments.
/// Never throws on bad input; a message MimeKit cannot read still gets one segment (the raw bytes)
/// and whatever summary could be recovered.
/// </summary>
/// <remarks>
/// <para>Segmentation rule. A leaf MIME part's body becomes a segment of its own when</para>
/// <list type="bullet">
/// <item>the part is an attachment (<c>Content-Disposition: attachment</c>, RFC 2183) or is not <c>text/*</c>
/// (inline images, application/* without a disposition), and</item>
/// <item>its encoded body is at least <see cref="MessageSegmenter.MinSegmentBytes"/> (4 KiB).</item>
/// </list>
/// <para>The segment is exactly the encoded body as it appears in the raw message: from the first byte
/// after the part's blank header-separator line up to, not including, the line break(s) before the next
/// boundary (RFC 2046 §5.1.1 gives that CRLF to the boundary). The same file encoded the same way (as
/// every mainstream client does: base64 in 76-character lines) thus gives the same segment, whose
/// SHA-256 the store uses to keep it once. Everything else, headers, boundaries, text bodies, is in
/// skeleton segments between them. A message without such parts is one segment.</para>
/// </remarks>
public static class MessageAnalyzer
{
    /// <summary>Upper bound on <see cref="MessageAnalysis.SearchText"/> (256 Ki characters).</summary>
    public const int MaxSearchTextChars = 256 * 1024;

    /// <summary>Length of <see cref="MessageSummary.Preview"/>.</summary>
    public const int PreviewChars = 200;

    // Header-derived strings are bounded so one hostile header cannot bloat every listing row.
    private const int MaxHeaderChars = 2048;
    private const int MaxAddresses = 500;
    private const int MaxReferences = 100;

    public static MessageAnalysis Analyze(ReadOnlyMemory<byte> raw)
    {
        MimeDocument document;
        try
        {
            document = MimeDocument.Parse(raw);
        }
#pragma warning disable CA1031 // The contract is "never throws": any parser failure degrades to an opaque message.
        catch (Exception)
#pragma warning restore CA1031
        {
            return new MessageAnalysis(new MessageSummary(), "", [raw]);
        }

        if (document.Message is null)
            return new MessageAnalysis(new MessageSummary(), "", [raw]);

        IReadOnlyList<ReadOnlyMemory<byte>> segments;
        try
        {
            segments = MessageSegmenter.Split(raw, document);
        }
#pragma warning disable CA1031 // Segmentation is an optimisation; one segment is always correct.
        catch (Exception)
#pragma warning restore CA1031
        {
            segments = [raw];
        }

        MessageSummary summary;
        string searchText;
        try
        {
            var parts = MessageParts.Of(document.Message);
            searchText = BodyText.Of(parts, MaxSearchTextChars);
            summary = Summarize(document.Message, parts, searchText);
        }
#pragma warning disable CA1031 // A summary is best effort; storing the message matters more.
        catch (Exception)
#pragma warning restore CA1031
        {
            searchText = "";
            summary = new MessageSummary();
        }

        return new MessageAnalysis(summary, searchText, segments);
    }

    private static MessageSummary Summarize(MimeMessage message, MessageParts parts, string bodyText)
    {
        var from = message.From.Mailboxes.FirstOrDefault();
        return new MessageSummary
        {
            FromAddress = from is null ? null : AddressOf(from),
            FromName = string.IsNullOrWhiteSpace(from?.Name) ? null : Bound(from.Name.Trim()),
            To = Addresses(message.To),
            Cc = Addresses(message.Cc),
            Subject = message.Subject is null ? null : Bound(message.Subject),
            // MimeKit reports a missing or unparseable Date as MinValue (RFC 5322 §3.6.1 makes it mandatory, reality does not).
            Date = message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date : null,
            MessageId = NullIfEmpty(message.MessageId),
            InReplyTo = NullIfEmpty(message.InReplyTo),
            References = message.References.Where(r => !string.IsNullOrEmpty(r)).Take(MaxReferences).Select(Bound).ToArray(),
            HasAttachments = parts.HasRealAttachments,
            Preview = BodyText.Preview(bodyText, PreviewChars),
        };
    }

    private static string[] Addresses(InternetAddressList list) =>
        list.Mailboxes.Select(AddressOf).OfType<string>().Take(MaxAddresses).ToArray();

    // Normalised when valid; otherwise kept lower-cased as written, because a listing should still show
    // what the sender put there (e.g. "undisclosed-recipients" without a domain).
    private static string? AddressOf(MailboxAddress mailbox)
    {
        var address = mailbox.Address;
        if (string.IsNullOrWhiteSpace(address))
            return null;
        return AddressNormalizer.Normalize(address) ?? Bound(address.Trim().ToLowerInvariant());
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : Bound(s.Trim());

    // Also without NUL: an encoded word (=?utf-8?q?=00?=) decodes to it, and PostgreSQL text cannot hold it.
    private static string Bound(string s) => BodyText.Truncate(s.Replace('\0', ' '), MaxHeaderChars);
}
