namespace RestMail.Storage.Accounts;

/// <summary>What authentication needs to know about an account.</summary>
public sealed record AccountCredentials(long Id, string Address, string PasswordHash, bool IsAdmin);
