namespace RestMail.Storage.Messages;

/// <summary>A mailbox from a header: display name (decoded, may be null) and address.</summary>
public sealed record MessageAddress(string? Name, string Address);
