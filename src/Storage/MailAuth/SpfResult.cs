namespace RestMail.Storage.MailAuth;

/// <summary>The results of check_host() (RFC 7208 §2.6), named as in Authentication-Results.</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}
