namespace RestMail.Gateways.Smtp;

/// <summary>The RFC 5321 §4.2.3 reply codes this server sends (plus RFC 4954 for AUTH).</summary>
public enum SmtpReplyCode
{
    SystemStatus = 211,
    HelpMessage = 214,
    ServiceReady = 220,
    ServiceClosing = 221,
    AuthenticationSucceeded = 235,
    Ok = 250,
    CannotVerify = 252,
    AuthenticationChallenge = 334,
    StartMailInput = 354,
    ServiceNotAvailable = 421,
    MailboxBusy = 450,
    LocalError = 451,
    InsufficientStorage = 452,
    TemporaryAuthenticationFailure = 454,
    SyntaxError = 500,
    ParameterSyntaxError = 501,
    CommandNotImplemented = 502,
    BadSequence = 503,
    ParameterNotImplemented = 504,
    AuthenticationRequired = 530,
    AuthenticationFailed = 535,
    EncryptionRequired = 538,
    MailboxUnavailable = 550,
    ExceededStorage = 552,
    MailboxNameNotAllowed = 553,
    TransactionFailed = 554,
    ParametersNotRecognized = 555,
}
