namespace RestMail.Storage.Accounts;

/// <summary>
/// A partial update of an account: only the parts whose <c>Set...</c> flag is true change, so a
/// quota or display name can be cleared to null as well as set.
/// </summary>
public sealed record AccountUpdate
{
    /// <summary>A new password in clear; the store hashes it.</summary>
    public string? Password { get; init; }
    public bool SetQuota { get; init; }
    public long? QuotaBytes { get; init; }
    public bool SetDisplayName { get; init; }
    public string? DisplayName { get; init; }
    public bool? IsAdmin { get; init; }
}
