using Microsoft.Extensions.Logging;

namespace RestMail.Api;

/// <summary>The API's log messages (event ids 3000-3099). Never a password or a token.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Sign-in failed for {Username}")]
    public static partial void SignInFailed(ILogger logger, string username);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "A refresh token was refused (unknown, used or expired)")]
    public static partial void RefreshRefused(ILogger logger);
}
