using System.Net;
using Microsoft.Extensions.Logging;

namespace RestMail.Gateways;

/// <summary>The gateways' log messages (listeners of every protocol: 4000-4001; SMTP: 4002-4099, IMAP: 4100-4199, POP3: 4200-4299 in Pop3/Pop3Log.cs). Never an AUTH payload or a message body.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "{Protocol} listener {Listener} accepting connections on {EndPoint}")]
    public static partial void ListenerListening(ILogger logger, string protocol, string listener, EndPoint endPoint);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "{Protocol} listener {Listener} could not bind {Address}:{Port}")]
    public static partial void ListenerBindFailed(ILogger logger, Exception exception, string protocol, string listener, string address, int port);


    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "SMTP session from {Remote} ended: {Reason}")]
    public static partial void SmtpSessionEnded(ILogger logger, IPAddress remote, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "SMTP AUTH failed for {Username} from {Remote}")]
    public static partial void SmtpAuthFailed(ILogger logger, string username, IPAddress remote);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "SMTP client {Remote} banned after too many failed AUTH attempts")]
    public static partial void SmtpAuthBanned(ILogger logger, IPAddress remote);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "SMTP message from {Remote} not accepted: the acceptance path failed")]
    public static partial void SmtpAcceptFailed(ILogger logger, Exception exception, IPAddress remote);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "SMTP recipient lookup failed for a client at {Remote}")]
    public static partial void SmtpLookupFailed(ILogger logger, Exception exception, IPAddress remote);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "SMTP message {QueueId} accepted, but recipient {Recipient} failed after DATA: {Status}")]
    public static partial void SmtpRecipientFailedAfterData(ILogger logger, string queueId, string recipient, string status);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Error, Message = "SMTP session from {Remote} failed")]
    public static partial void SmtpSessionFailed(ILogger logger, Exception exception, IPAddress remote);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "SMTP message {QueueId} from {Remote} accepted for {Count} recipient(s)")]
    public static partial void SmtpMessageAccepted(ILogger logger, string queueId, IPAddress remote, int count);



    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "IMAP session from {Remote} ended: {Reason}")]
    public static partial void ImapSessionEnded(ILogger logger, IPAddress remote, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "IMAP login failed for {Username} from {Remote}")]
    public static partial void ImapAuthFailed(ILogger logger, string username, IPAddress remote);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "IMAP client {Remote} banned after too many failed logins")]
    public static partial void ImapAuthBanned(ILogger logger, IPAddress remote);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "IMAP session from {Remote} failed")]
    public static partial void ImapSessionFailed(ILogger logger, Exception exception, IPAddress remote);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "IMAP command {Command} from {Remote} failed")]
    public static partial void ImapCommandFailed(ILogger logger, Exception exception, string command, IPAddress remote);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "SMTP message {QueueId} from {Remote}: spf={Spf} dkim={Dkim} dmarc={Dmarc}")]
    public static partial void SmtpMessageAuthenticated(ILogger logger, string queueId, IPAddress remote, string spf, string dkim, string dmarc);
}
