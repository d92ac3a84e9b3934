namespace RestMail.Storage.Accounts;

/// <summary>An account as the admin API shows it (never the password hash).</summary>
public sealed record AccountRecord(
    long Id,
    string Address,
    string Domain,
    string? DisplayName,
    bool IsAdmin,
    long? QuotaBytes,
    long UsedBytes,
    long MessageCount,
    DateTimeOffset CreatedAt);
