namespace RestMail.Storage.Accounts;

/// <summary>An extra address delivering into an account.</summary>
public sealed record AliasRecord(long Id, string Address, long AccountId, string AccountAddress, DateTimeOffset CreatedAt);
