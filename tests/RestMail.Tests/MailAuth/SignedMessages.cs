using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using RestMail.Storage.Dkim;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.MailAuth;

/// <summary>Messages DKIM-signed with keys published in a <see cref="TestDnsServer"/>.</summary>
internal static class SignedMessages
{
    /// <summary>A new RSA key for <paramref name="domain"/>, its TXT record published.</summary>
    public static DkimKey PublishKey(TestDnsServer dns, string domain)
    {
        var key = DkimKeyStore.Generate(domain, DateTimeOffset.UtcNow);
        dns.Txt[key.RecordName] = [key.RecordValue];
        return key;
    }

    public static MimeMessage New(string from, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Date = DateTimeOffset.UtcNow;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId();
        message.Body = new TextPart("plain") { Text = $"Body of {subject}.\r\nSecond line.\r\n" };
        return message;
    }

    /// <summary>Signs with relaxed/relaxed rsa-sha256 as the key's domain and selector.</summary>
    public static void Sign(MimeMessage message, DkimKey key)
    {
        using var pem = new MemoryStream(Encoding.ASCII.GetBytes(key.PrivateKeyPem));
        var signer = new MimeKit.Cryptography.DkimSigner(pem, key.Domain, key.Selector, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(Format, message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
    }

    public static FormatOptions Format { get; } = CreateFormat();

    public static byte[] ToBytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(Format, stream);
        return stream.ToArray();
    }

    public static MimeMessage Parse(byte[] raw)
    {
        using var stream = new MemoryStream(raw);
        return MimeMessage.Load(stream);
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
