namespace RestMail.Storage.MailAuth;

/// <summary>The p= and sp= values of RFC 7489 §6.3.</summary>
public enum DmarcPolicy
{
    None,
    Quarantine,
    Reject,
}
