namespace RestMail.Storage.Accounts;

/// <summary>An account to create; the password is hashed by the store.</summary>
public sealed record NewAccount(string Address, string Password, string? DisplayName = null, long? QuotaBytes = null, bool IsAdmin = false);
