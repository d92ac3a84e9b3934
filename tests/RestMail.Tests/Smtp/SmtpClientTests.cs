using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Smtp;

/// <summary>MailKit's SmtpClient against the real host: MX, submission with STARTTLS, implicit TLS, CHUNKING, PIPELINING.</summary>
public sealed class SmtpClientTests(SmtpServer server) : IClassFixture<SmtpServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MimeMessage NewMessage(string from, string subject, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var address in to)
            message.To.Add(MailboxAddress.Parse(address));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = $"Body of {subject}.\r\nSecond line.\r\n" };
        return message;
    }

    private SmtpClient NewClient(Stream? log = null)
    {
        var client = log is null ? new SmtpClient() : new ChunkingSmtpClient(new ProtocolLogger(log, leaveOpen: true));
        client.ServerCertificateValidationCallback = server.ValidateCertificate;
        client.LocalDomain = "client.test";
        return client;
    }

    [Fact]
    public async Task MailKit_delivers_to_the_MX_port_with_CHUNKING_and_PIPELINING_byte_exact_after_the_Authentication_Results_and_Received_headers()
    {
        var account = await server.CreateAccountAsync();
        var message = NewMessage("sender@remote.test", "over MX", account.Address);
        using var log = new MemoryStream();
        using (var client = NewClient(log))
        {
            await client.ConnectAsync(server.Mx.Address.ToString(), server.Mx.Port, SecureSocketOptions.None, Ct);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size));
            Assert.Equal((uint)SmtpServer.MaxMessageSize, client.MaxSize);
            await client.SendAsync(message, Ct);
            await client.DisconnectAsync(true, Ct);
        }
        var transcript = Encoding.UTF8.GetString(log.ToArray());
        Assert.Contains("C: BDAT", transcript, StringComparison.Ordinal);
        // PIPELINING: MAIL and RCPT went out in one write, so no server reply sits between them.
        Assert.Matches(@"C: MAIL FROM:[^\n]*\r?\nC: RCPT TO:", transcript);

        var stored = Assert.Single(await server.InboxAsync(account.Id));
        using var sent = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, sent, Ct);
        var expected = sent.ToArray();
        var results = SmtpServer.NothingPublishedResults("sender@remote.test", "remote.test");
        Assert.StartsWith(results + "Received: from client.test ([127.0.0.1])\r\n\tby mx.restmail.test with ESMTP id ", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.Equal(expected, stored[^expected.Length..]);
    }

    [Fact]
    public async Task MailKit_submits_with_STARTTLS_and_AUTH_PLAIN_to_a_local_and_a_remote_recipient()
    {
        var sender = await server.CreateAccountAsync();
        var local = await server.CreateAccountAsync(domain: sender.Domain);
        var remote = $"friend-{Guid.NewGuid():N}@remote.example";
        using (var client = NewClient())
        {
            await client.ConnectAsync(server.Submission.Address.ToString(), server.Submission.Port, SecureSocketOptions.StartTls, Ct);
            Assert.True(client.IsSecure);
            Assert.Contains("PLAIN", client.AuthenticationMechanisms);
            client.AuthenticationMechanisms.Remove("LOGIN");
            await client.AuthenticateAsync(sender.Address, ApiServer.Password, Ct);
            await client.SendAsync(NewMessage(sender.Address, "submitted", local.Address, remote), Ct);
            await client.DisconnectAsync(true, Ct);
        }
        var stored = Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(local.Id)));
        Assert.Contains($"by {SmtpServer.Hostname} with ESMTPSA id ", stored, StringComparison.Ordinal);
        Assert.Contains("Subject: submitted", stored, StringComparison.Ordinal);
        Assert.Equal(1, await server.QueuedForAsync(remote));
    }

    [Fact]
    public async Task MailKit_submits_over_implicit_TLS_with_AUTH_LOGIN()
    {
        var sender = await server.CreateAccountAsync();
        var local = await server.CreateAccountAsync(domain: sender.Domain);
        using (var client = NewClient())
        {
            await client.ConnectAsync(server.Submissions.Address.ToString(), server.Submissions.Port, SecureSocketOptions.SslOnConnect, Ct);
            Assert.True(client.IsSecure);
            client.AuthenticationMechanisms.Remove("PLAIN");
            await client.AuthenticateAsync(sender.Address, ApiServer.Password, Ct);
            await client.SendAsync(NewMessage(sender.Address, "implicit tls", local.Address), Ct);
            await client.DisconnectAsync(true, Ct);
        }
        var stored = Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(local.Id)));
        Assert.Contains("with ESMTPSA id", stored, StringComparison.Ordinal);
        Assert.Contains("Subject: implicit tls", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_reports_unknown_recipients_and_relay_refusal_as_command_errors()
    {
        var account = await server.CreateAccountAsync();
        using var client = NewClient();
        await client.ConnectAsync(server.Mx.Address.ToString(), server.Mx.Port, SecureSocketOptions.None, Ct);
        var unknown = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage("a@remote.test", "x", $"ghost@{account.Domain}"), Ct));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, unknown.StatusCode);
        var relay = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(NewMessage("a@remote.test", "x", "victim@elsewhere.example"), Ct));
        Assert.Equal(SmtpStatusCode.TransactionFailed, relay.StatusCode);
        Assert.Empty(await server.InboxAsync(account.Id));
    }
}
