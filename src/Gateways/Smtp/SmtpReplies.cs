using static RestMail.Gateways.Smtp.SmtpReplyCode;

namespace RestMail.Gateways.Smtp;

/// <summary>The fixed replies, encoded once (replies that name the host live in <see cref="SmtpGreetings"/>).</summary>
public static class SmtpReplies
{
    public static readonly SmtpReply Ok = new(SmtpReplyCode.Ok, "2.0.0", "OK");
    public static readonly SmtpReply SenderOk = new(SmtpReplyCode.Ok, "2.1.0", "Sender OK");
    public static readonly SmtpReply RecipientOk = new(SmtpReplyCode.Ok, "2.1.5", "Recipient OK");
    public static readonly SmtpReply ResetOk = new(SmtpReplyCode.Ok, "2.0.0", "Reset OK");
    public static readonly SmtpReply CannotVerify = new(SmtpReplyCode.CannotVerify, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply Help = new(HelpMessage, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
    public static readonly SmtpReply StartData = new(StartMailInput, null, "Start mail input; end with <CRLF>.<CRLF>");
    public static readonly SmtpReply ReadyToStartTls = new(ServiceReady, "2.0.0", "Ready to start TLS");
    public static readonly SmtpReply AuthSucceeded = new(AuthenticationSucceeded, "2.7.0", "Authentication successful");
    public static readonly SmtpReply EmptyChallenge = new(AuthenticationChallenge, null, "");
    public static readonly SmtpReply UsernameChallenge = new(AuthenticationChallenge, null, "VXNlcm5hbWU6");
    public static readonly SmtpReply PasswordChallenge = new(AuthenticationChallenge, null, "UGFzc3dvcmQ6");

    // RFC 5321 §4.5.3.1.4: command lines are at most 512 octets.
    public static readonly SmtpReply LineTooLong = new(SyntaxError, "5.5.2", "Line too long");
    public static readonly SmtpReply UnknownCommand = new(SyntaxError, "5.5.2", "Command not recognized");
    public static readonly SmtpReply NotImplemented = new(CommandNotImplemented, "5.5.1", "Command not implemented");
    public static readonly SmtpReply SyntaxErrorInParameters = new(ParameterSyntaxError, "5.5.4", "Syntax error in parameters or arguments");
    public static readonly SmtpReply NoArgumentsAllowed = new(ParameterSyntaxError, "5.5.4", "No arguments allowed");
    public static readonly SmtpReply EhloNeedsDomain = new(ParameterSyntaxError, "5.5.4", "EHLO/HELO requires a domain or address literal");
    public static readonly SmtpReply BadSenderSyntax = new(ParameterSyntaxError, "5.1.7", "Bad sender address syntax");
    public static readonly SmtpReply BadRecipientSyntax = new(ParameterSyntaxError, "5.1.3", "Bad recipient address syntax");
    public static readonly SmtpReply UnsupportedParameter = new(ParametersNotRecognized, "5.5.4", "Unsupported MAIL or RCPT parameter");
    public static readonly SmtpReply BadParameterValue = new(ParameterSyntaxError, "5.5.4", "Invalid parameter value");

    public static readonly SmtpReply HelloFirst = new(BadSequence, "5.5.1", "Send EHLO or HELO first");
    public static readonly SmtpReply NestedMail = new(BadSequence, "5.5.1", "Sender already specified");
    public static readonly SmtpReply MailFirst = new(BadSequence, "5.5.1", "Send MAIL first");
    public static readonly SmtpReply NoRecipients = new(BadSequence, "5.5.1", "No valid recipients");
    public static readonly SmtpReply AlreadyTls = new(BadSequence, "5.5.1", "TLS already active");
    public static readonly SmtpReply AlreadyAuthenticated = new(BadSequence, "5.5.1", "Already authenticated");
    public static readonly SmtpReply NotDuringTransaction = new(BadSequence, "5.5.1", "Not allowed during a mail transaction");
    public static readonly SmtpReply DataAfterBdat = new(BadSequence, "5.5.1", "DATA not allowed after BDAT in the same transaction");
    public static readonly SmtpReply BdatWithoutTransaction = new(BadSequence, "5.5.1", "BDAT without a valid transaction; chunk discarded");

    public static readonly SmtpReply AuthRequired = new(AuthenticationRequired, "5.7.0", "Authentication required");
    public static readonly SmtpReply TlsRequiredForAuth = new(EncryptionRequired, "5.7.11", "Encryption required for requested authentication mechanism");
    public static readonly SmtpReply UnknownMechanism = new(ParameterNotImplemented, "5.5.4", "Unrecognized authentication mechanism");
    public static readonly SmtpReply AuthCancelled = new(ParameterSyntaxError, "5.7.0", "Authentication cancelled");
    public static readonly SmtpReply AuthBadBase64 = new(ParameterSyntaxError, "5.5.2", "Cannot decode response");
    public static readonly SmtpReply AuthFailed = new(AuthenticationFailed, "5.7.8", "Authentication credentials invalid");
    public static readonly SmtpReply AuthTemporarilyBlocked = new(TemporaryAuthenticationFailure, "4.7.0", "Too many failed authentication attempts, try again later");
    public static readonly SmtpReply AuthTemporaryFailure = new(TemporaryAuthenticationFailure, "4.7.0", "Temporary authentication failure");

    public static readonly SmtpReply SenderNotOwned = new(MailboxNameNotAllowed, "5.7.1", "Sender address not owned by the authenticated user");
    public static readonly SmtpReply UnknownUser = new(MailboxUnavailable, "5.1.1", "Mailbox unavailable: no such user here");
    public static readonly SmtpReply RelayDenied = new(TransactionFailed, "5.7.1", "Relay access denied");
    public static readonly SmtpReply OverQuota = new(InsufficientStorage, "4.2.2", "Mailbox full, try again later");
    public static readonly SmtpReply TooManyRecipients = new(InsufficientStorage, "4.5.3", "Too many recipients");
    public static readonly SmtpReply MessageTooBig = new(ExceededStorage, "5.3.4", "Message size exceeds fixed maximum message size");
    public static readonly SmtpReply BareLineFeed = new(MailboxUnavailable, "5.6.11", "Bare CR or LF in message data; lines must end with CRLF");
    public static readonly SmtpReply LocalProcessingError = new(LocalError, "4.3.0", "Local error in processing, try again later");
    public static readonly SmtpReply TransactionRejected = new(TransactionFailed, "5.7.1", "Message rejected by policy");
}
