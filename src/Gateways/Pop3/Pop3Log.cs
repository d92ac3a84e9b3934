using System.Net;
using Microsoft.Extensions.Logging;

namespace RestMail.Gateways;

/// <summary>The POP3 gateway's log messages: event ids 4200-4299. Never a password or a message body.</summary>
internal static partial class Log
{


    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "POP3 session from {Remote} ended: {Reason}")]
    public static partial void Pop3SessionEnded(ILogger logger, IPAddress remote, string reason);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "POP3 login failed for {Username} from {Remote}")]
    public static partial void Pop3AuthFailed(ILogger logger, string username, IPAddress remote);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "POP3 client {Remote} banned after too many failed logins")]
    public static partial void Pop3AuthBanned(ILogger logger, IPAddress remote);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Error, Message = "POP3 session from {Remote} failed")]
    public static partial void Pop3SessionFailed(ILogger logger, Exception exception, IPAddress remote);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Warning, Message = "POP3 storage call failed for a client at {Remote}")]
    public static partial void Pop3StorageFailed(ILogger logger, Exception exception, IPAddress remote);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Information, Message = "POP3 session of account {AccountId} from {Remote} deleted {Count} message(s)")]
    public static partial void Pop3Expunged(ILogger logger, long accountId, IPAddress remote, int count);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Warning, Message = "POP3 maildrop lock of account {AccountId} could not be renewed; another session may open it")]
    public static partial void Pop3LockLost(ILogger logger, long accountId);
}
