namespace RestMail.Api.Messages;

public sealed record AddressResponse(string? Address, string? Name);
