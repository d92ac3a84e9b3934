namespace RestMail.Api.Admin;

/// <summary>An alias address and the account it delivers to, by id or by the account's address.</summary>
public sealed record CreateAliasRequest(string? Address, long? AccountId, string? Target);
