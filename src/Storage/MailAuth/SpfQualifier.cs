namespace RestMail.Storage.MailAuth;

/// <summary>RFC 7208 §4.6.2: what a matching mechanism makes the result.</summary>
public enum SpfQualifier
{
    /// <summary>"+" (the default): pass.</summary>
    Pass,

    /// <summary>"-": fail.</summary>
    Fail,

    /// <summary>"~": softfail.</summary>
    SoftFail,

    /// <summary>"?": neutral.</summary>
    Neutral,
}
