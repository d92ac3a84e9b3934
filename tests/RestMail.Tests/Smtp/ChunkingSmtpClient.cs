using MailKit;
using MailKit.Net.Smtp;

namespace RestMail.Tests.Smtp;

/// <summary>MailKit's SmtpClient told to send with BDAT whenever the server offers CHUNKING.</summary>
public sealed class ChunkingSmtpClient(IProtocolLogger logger) : SmtpClient(logger)
{
    protected override bool PreferSendAsBinaryData => true;
}
