using RestMail.Grains.Delivery;

namespace RestMail.Api.Messages;

/// <summary>
/// The outcome per recipient: delivered (local mailbox), queued (remote, in the durable outbound
/// queue), unknown_recipient, over_quota, rejected or temporary_failure. message_id is the copy in
/// the sender's Sent folder.
/// </summary>
public sealed record SendResponse(long? MessageId, string? MessageIdHeader, long? QueueId, IReadOnlyList<SendRecipientResponse> Recipients);

public sealed record SendRecipientResponse(string Address, RecipientStatus Status);
