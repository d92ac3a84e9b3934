using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using RestMail.Tests.Api;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Smtp;

namespace RestMail.Tests.MailAuth;

/// <summary>
/// Mail sent with MailKit to the real host's MX port from 127.0.0.1, with the sender's SPF, DKIM and
/// DMARC records in the host's DNS server (RestMail:Dns:Servers), read back through the REST API.
/// </summary>
public sealed class MailAuthEndToEndTests(SmtpServer server) : IClassFixture<SmtpServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task SendAsync(MimeMessage message, bool submission = false, string? user = null)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = server.ValidateCertificate, LocalDomain = "client.example.net" };
        var endpoint = submission ? server.Submission : server.Mx;
        await client.ConnectAsync(endpoint.Address.ToString(), endpoint.Port, submission ? SecureSocketOptions.StartTls : SecureSocketOptions.None, Ct);
        if (user is not null)
            await client.AuthenticateAsync(user, ApiServer.Password, Ct);
        await client.SendAsync(message, Ct);
        await client.DisconnectAsync(true, Ct);
    }

    /// <summary>Splits the stored message into its Authentication-Results field, its Received field and the rest.</summary>
    private static (string Results, string Received, byte[] Content) Split(byte[] stored)
    {
        var text = Encoding.UTF8.GetString(stored);
        Assert.StartsWith("Authentication-Results: ", text, StringComparison.Ordinal);
        var received = text.IndexOf("\r\nReceived: ", StringComparison.Ordinal) + 2;
        var afterReceived = text.IndexOf(';', received);
        var end = text.IndexOf("\r\n", afterReceived, StringComparison.Ordinal) + 2;
        return (text[..received], text[received..end], stored[Encoding.UTF8.GetByteCount(text[..end])..]);
    }

    private static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(SignedMessages.Format, stream);
        return stream.ToArray();
    }

    private static string SignaturePrefix(MimeMessage message)
    {
        var b = message.Headers[HeaderId.DkimSignature]!.Split("b=")[^1];
        return new string([.. b.Where(c => !char.IsWhiteSpace(c)).TakeWhile(c => char.IsAsciiLetterOrDigit(c) || c == '+').Take(8)]);
    }

    [Fact]
    public async Task Mail_from_a_domain_with_SPF_DKIM_and_DMARC_arrives_with_all_three_passing_and_otherwise_byte_exact()
    {
        var recipient = await server.CreateAccountAsync();
        var domain = MailAuthDnsFixture.NewDomain();
        server.Dns.Txt[domain] = ["v=spf1 ip4:127.0.0.0/8 -all"];
        server.Dns.Txt["_dmarc." + domain] = ["v=DMARC1; p=reject; adkim=s; aspf=s"];
        var key = SignedMessages.PublishKey(server.Dns, domain);
        var message = SignedMessages.New($"alice@{domain}", recipient.Address, "authenticated");
        SignedMessages.Sign(message, key);

        await SendAsync(message);

        var (results, received, rest) = Split(await server.ReadInboxThroughApiAsync(recipient.Address));
        Assert.Equal(
            $"Authentication-Results: {SmtpServer.Hostname};\r\n" +
            $"\tspf=pass smtp.mailfrom=alice@{domain};\r\n" +
            $"\tdkim=pass header.d={domain} header.s={key.Selector} header.b={SignaturePrefix(message)};\r\n" +
            $"\tdmarc=pass (p=reject pct=100) header.from={domain} policy.dmarc=reject\r\n",
            results);
        Assert.StartsWith($"Received: from client.example.net ([127.0.0.1])\r\n\tby {SmtpServer.Hostname} with ESMTP id ", received, StringComparison.Ordinal);
        Assert.Equal(Bytes(message), rest);
    }

    [Fact]
    public async Task Mail_failing_SPF_and_DMARC_with_a_broken_signature_is_still_accepted_and_says_so()
    {
        var recipient = await server.CreateAccountAsync();
        var domain = MailAuthDnsFixture.NewDomain();
        server.Dns.Txt[domain] = ["v=spf1 ip4:192.0.2.0/24 -all"];
        server.Dns.Txt["_dmarc." + domain] = ["v=DMARC1; p=reject"];
        var key = SignedMessages.PublishKey(server.Dns, domain);
        var message = SignedMessages.New($"mallory@{domain}", recipient.Address, "forged");
        SignedMessages.Sign(message, key);
        message.Subject = "forged and changed";

        // DMARC is recorded, not enforced: the message is accepted (the filters issue will act on it).
        await SendAsync(message);

        var (results, _, rest) = Split(await server.ReadInboxThroughApiAsync(recipient.Address));
        Assert.Equal(
            $"Authentication-Results: {SmtpServer.Hostname};\r\n" +
            $"\tspf=fail smtp.mailfrom=mallory@{domain};\r\n" +
            $"\tdkim=fail header.d={domain} header.s={key.Selector} header.b={SignaturePrefix(message)};\r\n" +
            $"\tdmarc=fail (p=reject pct=100) header.from={domain} policy.dmarc=reject\r\n",
            results);
        Assert.Equal(Bytes(message), rest);
    }

    [Fact]
    public async Task A_DNS_failure_is_recorded_as_temperror_and_the_mail_is_accepted()
    {
        var recipient = await server.CreateAccountAsync();
        var domain = MailAuthDnsFixture.NewDomain();
        server.Dns.Failing[domain] = true;
        server.Dns.Failing["_dmarc." + domain] = true;

        await SendAsync(SignedMessages.New($"carol@{domain}", recipient.Address, "dns down"));

        var (results, _, _) = Split(await server.ReadInboxThroughApiAsync(recipient.Address));
        Assert.Equal(
            $"Authentication-Results: {SmtpServer.Hostname};\r\n\tspf=temperror smtp.mailfrom=carol@{domain};\r\n\tdkim=none;\r\n\tdmarc=temperror header.from={domain}\r\n",
            results);
    }

    [Fact]
    public async Task A_forged_Authentication_Results_field_stays_below_ours()
    {
        var recipient = await server.CreateAccountAsync();
        var domain = MailAuthDnsFixture.NewDomain();
        var message = SignedMessages.New($"eve@{domain}", recipient.Address, "forged results");
        message.Headers.Insert(0, new Header("Authentication-Results", $"{SmtpServer.Hostname}; spf=pass smtp.mailfrom=ceo@{domain}"));

        await SendAsync(message);

        var stored = Encoding.UTF8.GetString(await server.ReadInboxThroughApiAsync(recipient.Address));
        Assert.StartsWith($"Authentication-Results: {SmtpServer.Hostname};\r\n\tspf=none smtp.mailfrom=eve@{domain};", stored, StringComparison.Ordinal);
        // RFC 8601 §5: readers trust the topmost field with our authserv-id only; the forged one is kept byte-exact below the Received field.
        Assert.True(stored.IndexOf("spf=pass smtp.mailfrom=ceo@", StringComparison.Ordinal) > stored.IndexOf("\r\nReceived: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_null_sender_is_checked_by_its_HELO_name_from_the_clients_own_address()
    {
        var recipient = await server.CreateAccountAsync();
        var helo = MailAuthDnsFixture.NewDomain();
        server.Dns.Txt[helo] = ["v=spf1 ip4:127.0.0.1 -all"];
        foreach (var (source, result) in new[] { ("127.0.0.1", "pass"), ("127.0.0.2", "fail") })
        {
            await using var client = await RawSmtpClient.ConnectAsync(server.Mx, server.ValidateCertificate, IPAddress.Parse(source));
            Assert.StartsWith("220", await client.ReadReplyAsync(), StringComparison.Ordinal);
            Assert.StartsWith("250", await client.CommandAsync($"EHLO {helo}"), StringComparison.Ordinal);
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{recipient.Address}>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("250 2.0.0 OK", await client.CommandAsync($"From: <mailer-daemon@{helo}>\r\nSubject: {result}\r\n\r\nbody\r\n."), StringComparison.Ordinal);
        }

        var stored = (await server.InboxAsync(recipient.Id)).Select(Encoding.UTF8.GetString).ToList();
        Assert.Equal(2, stored.Count);
        Assert.StartsWith($"Authentication-Results: {SmtpServer.Hostname};\r\n\tspf=pass smtp.helo={helo};\r\n\tdkim=none;\r\n\tdmarc=none header.from={helo}\r\nReceived: from {helo} ([127.0.0.1])", stored[0], StringComparison.Ordinal);
        Assert.StartsWith($"Authentication-Results: {SmtpServer.Hostname};\r\n\tspf=fail smtp.helo={helo};\r\n\tdkim=none;\r\n\tdmarc=none header.from={helo}\r\nReceived: from {helo} ([127.0.0.2])", stored[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_to_the_MX_port_gets_spf_and_dmarc_pass_through_alignment()
    {
        var swaks = new[] { "/usr/bin/swaks", "/usr/local/bin/swaks" }.FirstOrDefault(File.Exists);
        Assert.True(swaks is not null, "swaks is not installed (apt-get install swaks; .ci/run installs it)");
        var recipient = await server.CreateAccountAsync();
        var domain = MailAuthDnsFixture.NewDomain();
        server.Dns.Txt[domain] = ["v=spf1 ip4:127.0.0.1 ~all"];
        server.Dns.Txt["_dmarc." + domain] = ["v=DMARC1; p=none; pct=20"];

        var start = new ProcessStartInfo(swaks!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "--server", server.Mx.Address.ToString(), "--port", server.Mx.Port.ToString(CultureInfo.InvariantCulture),
            "--helo", "swaks.example.net", "--from", $"bob@{domain}", "--to", recipient.Address,
            "--header", "Subject: over MX by swaks", "--body", "Hello from swaks.",
        })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        var transcript = await output + await errors;
        Assert.True(process.ExitCode == 0, transcript);

        var (results, received, content) = Split(await server.ReadInboxThroughApiAsync(recipient.Address));
        Assert.Equal(
            $"Authentication-Results: {SmtpServer.Hostname};\r\n\tspf=pass smtp.mailfrom=bob@{domain};\r\n\tdkim=none;\r\n" +
            $"\tdmarc=pass (p=none pct=20) header.from={domain} policy.dmarc=none\r\n",
            results);
        Assert.StartsWith("Received: from swaks.example.net ([127.0.0.1])", received, StringComparison.Ordinal);
        Assert.Contains("Subject: over MX by swaks", Encoding.UTF8.GetString(content), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submission_records_auth_pass_for_the_authenticated_user()
    {
        var sender = await server.CreateAccountAsync();
        var recipient = await server.CreateAccountAsync(domain: sender.Domain);
        var message = SignedMessages.New(sender.Address, recipient.Address, "submitted");

        await SendAsync(message, submission: true, user: sender.Address);

        var (results, received, rest) = Split(await server.ReadInboxThroughApiAsync(recipient.Address));
        Assert.Equal($"Authentication-Results: {SmtpServer.Hostname};\r\n\tauth=pass smtp.auth={sender.Address}\r\n", results);
        Assert.Contains(" with ESMTPSA id ", received, StringComparison.Ordinal);
        Assert.Equal(Bytes(message), rest);
    }
}
