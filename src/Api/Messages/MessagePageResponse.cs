using RestMail.Storage.Mail;

namespace RestMail.Api.Messages;

/// <summary>A page of messages; pass next_cursor as ?cursor= for the next one (null at the end).</summary>
public sealed record MessagePageResponse(IReadOnlyList<MessageResponse> Items, string? NextCursor)
{
    public static MessagePageResponse From(MessagePage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return new([.. page.Items.Select(MessageResponse.Of)], page.NextCursor);
    }
}
