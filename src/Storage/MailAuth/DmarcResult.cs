namespace RestMail.Storage.MailAuth;

/// <summary>DMARC results as named in Authentication-Results (RFC 7489 §11.2).</summary>
public enum DmarcResult
{
    None,
    Pass,
    Fail,
    TempError,
    PermError,
}
