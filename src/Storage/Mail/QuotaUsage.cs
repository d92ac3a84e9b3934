namespace RestMail.Storage.Mail;

/// <param name="LogicalBytes">The sum of the sizes of the account's messages (what the quota counts).</param>
/// <param name="StoredBytes">The bytes actually stored for them once shared blobs are counted once.</param>
public sealed record QuotaUsage(
    long UsedBytes, long? LimitBytes, long MessageCount, long DomainUsedBytes, long? DomainLimitBytes, long LogicalBytes, long StoredBytes);
