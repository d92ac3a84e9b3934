using Ganss.Xss;

namespace RestMail.Storage.Messages;

/// <summary>
/// Makes a message's HTML safe to place in the webmail page: HtmlSanitizer's allow-list drops
/// scripts, event-handler attributes (onclick, onload, ...), and any URL whose scheme is not allowed
/// (javascript:, vbscript:, data:).
/// </summary>
/// <remarks>
/// Allowed URL schemes: http, https, mailto, and cid (RFC 2392) so that images embedded in a
/// multipart/related body keep their references; the API or webmail resolves cid: URLs to attachment
/// downloads. Remote images (http/https src) are kept as they are: blocking or proxying them to stop
/// tracking pixels is the webmail's decision, not this library's. Forms and their controls are removed
/// because a form inside a message is a phishing tool, never something a reader needs.
/// </remarks>
internal static class HtmlCleaner
{
    // Sanitize is safe to call concurrently on one instance as long as its configuration is not changed
    // afterwards, which is the case here.
    private static readonly HtmlSanitizer Sanitizer = Create();

    public static string Clean(string html) => Sanitizer.Sanitize(html);

    private static HtmlSanitizer Create()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto", "cid" })
            sanitizer.AllowedSchemes.Add(scheme);
        foreach (var tag in new[] { "form", "input", "button", "select", "option", "optgroup", "textarea", "datalist" })
            sanitizer.AllowedTags.Remove(tag);
        return sanitizer;
    }
}
