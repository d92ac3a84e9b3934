namespace RestMail.Api.Admin;

/// <summary>Points the alias at another account, by id or by address.</summary>
public sealed record UpdateAliasRequest(long? AccountId, string? Target);
