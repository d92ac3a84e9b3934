namespace RestMail.Storage.Messages;

/// <summary>An address in a compose request: <c>{"address": "a@example.com", "name": "A"}</c>.</summary>
public sealed record ComposeAddress
{
    public string? Address { get; init; }
    public string? Name { get; init; }
}
