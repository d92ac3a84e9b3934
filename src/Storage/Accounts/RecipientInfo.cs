namespace RestMail.Storage.Accounts;

/// <summary>
/// What a protocol front-end needs to know about one envelope address before it accepts it: whether
/// the domain is hosted here, the account it reaches (directly or through an alias), and how much
/// room that account and its domain have left (null: unlimited).
/// </summary>
public sealed record RecipientInfo(string Address, bool LocalDomain, long? AccountId, long? AccountFreeBytes, long? DomainFreeBytes)
{
    /// <summary>RFC 9208-style check, the same rule the mailbox applies at delivery: would a message of this size fit?</summary>
    public bool Fits(long bytes) =>
        bytes <= 0 || ((AccountFreeBytes is null || bytes <= AccountFreeBytes) && (DomainFreeBytes is null || bytes <= DomainFreeBytes));
}
