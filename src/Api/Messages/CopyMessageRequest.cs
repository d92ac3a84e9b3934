namespace RestMail.Api.Messages;

public sealed record CopyMessageRequest(long? FolderId);
