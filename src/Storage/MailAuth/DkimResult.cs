namespace RestMail.Storage.MailAuth;

/// <summary>The result of one DKIM signature's verification, named as in RFC 8601 §2.7.1.</summary>
public enum DkimResult
{
    /// <summary>The message carries no signature.</summary>
    None,

    /// <summary>The signature verified.</summary>
    Pass,

    /// <summary>The signature or the body hash did not verify.</summary>
    Fail,

    /// <summary>The signature could not be processed (syntax errors, unsupported algorithm).</summary>
    Neutral,

    /// <summary>The key could not be fetched for now (a DNS failure or timeout).</summary>
    TempError,

    /// <summary>The key record is missing or unusable.</summary>
    PermError,
}
