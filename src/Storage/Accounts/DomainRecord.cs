namespace RestMail.Storage.Accounts;

/// <summary>A hosted domain with its quota and what its accounts use.</summary>
public sealed record DomainRecord(long Id, string Name, long? QuotaBytes, long UsedBytes, long AccountCount, DateTimeOffset CreatedAt);
