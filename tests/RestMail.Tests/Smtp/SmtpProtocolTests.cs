using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Gateways.Smtp;
using RestMail.Storage.Hosting;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Smtp;

/// <summary>Protocol edges over a real socket, each reply checked with its exact code and enhanced status.</summary>
public sealed class SmtpProtocolTests(SmtpServer server) : IClassFixture<SmtpServer>
{
    private async Task<RawSmtpClient> ConnectAsync(IPEndPoint endPoint, IPAddress? source = null)
    {
        var client = await RawSmtpClient.ConnectAsync(endPoint, server.ValidateCertificate, source);
        Assert.Equal($"220 {SmtpServer.Hostname} ESMTP", await client.ReadReplyAsync());
        return client;
    }

    private async Task<RawSmtpClient> HelloAsync(IPEndPoint? endPoint = null)
    {
        var client = await ConnectAsync(endPoint ?? server.Mx);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        return client;
    }

    private static string Code(string reply) => reply.Length >= 9 ? reply[..9] : reply;

    [Fact]
    public async Task Banner_and_EHLO_look_like_an_ordinary_MTA_and_advertise_the_extensions()
    {
        await using var client = await ConnectAsync(server.Mx);
        var ehlo = (await client.CommandAsync("EHLO client.test")).Split('\n');
        Assert.Equal($"250-{SmtpServer.Hostname}", ehlo[0]);
        Assert.Equal(
            ["PIPELINING", $"SIZE {SmtpServer.MaxMessageSize}", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "STARTTLS", "CHUNKING", "DSN", "HELP"],
            ehlo.Skip(1).Select(l => l[4..]));
        Assert.StartsWith("250 ", ehlo[^1], StringComparison.Ordinal);
        Assert.Equal($"250 {SmtpServer.Hostname}", await client.CommandAsync("HELO client.test"));
        Assert.Equal($"221 2.0.0 {SmtpServer.Hostname} closing connection", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task The_three_listeners_report_ready_and_healthz_is_healthy()
    {
        var readiness = server.Services.GetRequiredService<IListenerReadiness>().Snapshot();
        Assert.True(readiness[SmtpListeners.SmtpName]);
        Assert.True(readiness[SmtpListeners.SubmissionName]);
        Assert.True(readiness[SmtpListeners.SubmissionsName]);
        using var http = server.CreateClient();
        using var health = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Commands_out_of_sequence_get_503_5_5_1()
    {
        await using var client = await ConnectAsync(server.Mx);
        Assert.Equal("503 5.5.1", Code(await client.CommandAsync("MAIL FROM:<a@remote.test>")));
        Assert.Equal("503 5.5.1", Code(await client.CommandAsync("RCPT TO:<a@remote.test>")));
        Assert.Equal("503 5.5.1", Code(await client.CommandAsync("DATA")));
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        Assert.Equal("503 5.5.1 Send MAIL first", await client.CommandAsync("RCPT TO:<a@remote.test>"));
        Assert.Equal("503 5.5.1 Send MAIL first", await client.CommandAsync("DATA"));
        Assert.Equal("250 2.1.0 Sender OK", await client.CommandAsync("MAIL FROM:<a@remote.test>"));
        Assert.Equal("503 5.5.1 Sender already specified", await client.CommandAsync("MAIL FROM:<a@remote.test>"));
        Assert.Equal("503 5.5.1 No valid recipients", await client.CommandAsync("DATA"));
        Assert.Equal("250 2.0.0 Reset OK", await client.CommandAsync("RSET"));
        Assert.Equal("250 2.1.0 Sender OK", await client.CommandAsync("MAIL FROM:<>"));
    }

    [Fact]
    public async Task Syntax_errors_and_unknown_commands_get_500_501_555_and_the_session_stays_usable()
    {
        await using var client = await ConnectAsync(server.Mx);
        Assert.Equal("501 5.5.4", Code(await client.CommandAsync("EHLO")));
        Assert.Equal("500 5.5.2 Command not recognized", await client.CommandAsync("FOO bar"));
        Assert.Equal("500 5.5.2", Code(await client.CommandAsync("\u0001\u0002garbage")));
        Assert.StartsWith("250", await client.CommandAsync("ehlo client.test"), StringComparison.Ordinal);
        Assert.Equal("501 5.5.4", Code(await client.CommandAsync("MAIL FROM a@remote.test")));
        Assert.Equal("501 5.5.4", Code(await client.CommandAsync("MAIL FROM:<a@remote.test")));
        Assert.Equal("501 5.1.7", Code(await client.CommandAsync("MAIL FROM:<not an address>")));
        Assert.Equal("555 5.5.4", Code(await client.CommandAsync("MAIL FROM:<a@remote.test> FOO=1")));
        Assert.Equal("501 5.5.4", Code(await client.CommandAsync("MAIL FROM:<a@remote.test> BODY=8BITMIME SIZE=x")));
        // DSN (RFC 3461) and the other advertised parameters are accepted.
        Assert.Equal("250 2.1.0 Sender OK", await client.CommandAsync("MAIL FROM:<a@remote.test> BODY=8BITMIME SIZE=100 RET=HDRS ENVID=abc SMTPUTF8"));
        Assert.Equal("501 5.1.3", Code(await client.CommandAsync("RCPT TO:<nobody>")));
        Assert.Equal("501 5.5.4", Code(await client.CommandAsync("RCPT TO:<a@remote.test> NOTIFY=SOMETIMES")));
        Assert.Equal("555 5.5.4", Code(await client.CommandAsync("RCPT TO:<a@remote.test> BAR=1")));
        Assert.Equal("252 2.5.0", Code(await client.CommandAsync("VRFY postmaster")));
        Assert.Equal("502 5.5.1", Code(await client.CommandAsync("EXPN staff")));
        Assert.Equal("214 2.0.0", Code(await client.CommandAsync("HELP")));
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
        Assert.Equal("501 5.5.4", Code(await client.CommandAsync("STARTTLS now")));
    }

    [Fact]
    public async Task An_overlong_command_line_gets_500_5_5_2_and_the_next_command_works()
    {
        await using var client = await HelloAsync();
        // RFC 5321 §4.5.3.1.4: 512 octets including CRLF is the limit; 510 + CRLF passes the length check.
        Assert.Equal("500 5.5.2 Command not recognized", await client.CommandAsync("X" + new string('a', 509)));
        Assert.Equal("500 5.5.2 Line too long", await client.CommandAsync("NOOP " + new string('a', 600)));
        Assert.Equal("500 5.5.2 Line too long", await client.CommandAsync("NOOP " + new string('a', 100_000)));
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Unknown_local_user_gets_550_5_1_1_and_a_remote_recipient_without_auth_554_5_7_1()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<sender@remote.test>"), StringComparison.Ordinal);
        Assert.Equal("550 5.1.1", Code(await client.CommandAsync($"RCPT TO:<nobody@{account.Domain}>")));
        Assert.Equal("554 5.7.1 Relay access denied", await client.CommandAsync("RCPT TO:<victim@elsewhere.example>"));
        // Old relay tricks: a source route is ignored, %-hacks and doubled @ are no local mailbox.
        Assert.Equal("554 5.7.1 Relay access denied", await client.CommandAsync($"RCPT TO:<@{account.Domain}:victim@elsewhere.example>"));
        Assert.Equal("550 5.1.1", Code(await client.CommandAsync($"RCPT TO:<victim%elsewhere.example@{account.Domain}>")));
        Assert.Equal("501 5.1.3", Code(await client.CommandAsync($"RCPT TO:<victim@elsewhere.example@{account.Domain}>")));
        Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync($"RCPT TO:<{account.Address.ToUpperInvariant()}>"));
        Assert.Equal(0, await server.QueuedForAsync("victim@elsewhere.example"));
    }

    [Fact]
    public async Task A_domain_catch_all_takes_unknown_local_parts_at_rcpt()
    {
        var account = await server.CreateAccountAsync();
        await server.Grains.GetGrain<RestMail.Grains.Domains.IDomainGrain>(account.Domain)
            .UpdateSettingsAsync(new RestMail.Grains.Domains.DomainSettings { CatchAllAddress = account.Address });
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<sender@remote.test>"), StringComparison.Ordinal);
        Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync($"RCPT TO:<anything@{account.Domain}>"));
    }

    [Fact]
    public async Task Postmaster_with_or_without_a_domain_reaches_the_first_administrator_unless_the_domain_has_its_own()
    {
        await server.CreateAccountAsync(admin: true);
        await using (var first = server.DataSource.CreateCommand("SELECT id FROM accounts WHERE is_admin ORDER BY id LIMIT 1"))
        {
            var administrator = (long)(await first.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
            var hosted = await server.CreateAccountAsync();
            var before = (await server.InboxAsync(administrator)).Count;
            await using var client = await HelloAsync();
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<reporter@remote.test>"), StringComparison.Ordinal);
            // RFC 5321 §4.5.1 (any case, any hosted domain) and §4.1.1.3 (no domain at all).
            Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync($"RCPT TO:<PostMaster@{hosted.Domain}>"));
            Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync("RCPT TO:<Postmaster>"));
            Assert.Equal("554 5.7.1", Code(await client.CommandAsync("RCPT TO:<postmaster@not-hosted.test>")));
            Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("250 2.0.0", await client.CommandAsync("Subject: abuse report\r\n\r\nReport.\r\n."), StringComparison.Ordinal);
            var arrived = (await server.InboxAsync(administrator)).Skip(before).Select(Encoding.UTF8.GetString).ToList();
            Assert.Single(arrived);
            Assert.Contains("Subject: abuse report", arrived[0], StringComparison.Ordinal);
        }

        // A domain's own postmaster account takes its mail.
        var own = await server.CreateAccountAsync();
        var postmaster = await server.Directory.CreateAccountAsync(new RestMail.Storage.Accounts.NewAccount($"postmaster@{own.Domain}", ApiServer.Password, null, null, false), TestContext.Current.CancellationToken);
        Assert.True(postmaster.IsOk, postmaster.Error);
        await using var again = await HelloAsync();
        Assert.StartsWith("250", await again.CommandAsync("MAIL FROM:<reporter@remote.test>"), StringComparison.Ordinal);
        Assert.Equal("250 2.1.5 Recipient OK", await again.CommandAsync($"RCPT TO:<postmaster@{own.Domain}>"));
        Assert.StartsWith("354", await again.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0", await again.CommandAsync("Subject: for the domain\r\n\r\nReport.\r\n."), StringComparison.Ordinal);
        Assert.Contains("Subject: for the domain", Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(postmaster.Value!.Id))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_recipients_get_452_4_5_3()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<sender@remote.test>"), StringComparison.Ordinal);
        var pipelined = new StringBuilder();
        for (var i = 0; i < 101; i++)
            pipelined.Append(CultureInfo.InvariantCulture, $"RCPT TO:<{account.Address}>\r\n");
        await client.SendAsync(pipelined.ToString());
        for (var i = 0; i < 100; i++)
            Assert.Equal("250 2.1.5 Recipient OK", await client.ReadReplyAsync());
        Assert.Equal("452 4.5.3 Too many recipients", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Declared_SIZE_too_large_gets_552_at_MAIL_and_actual_size_too_large_552_after_DATA_with_nothing_stored()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        Assert.Equal("552 5.3.4", Code(await client.CommandAsync($"MAIL FROM:<a@remote.test> SIZE={SmtpServer.MaxMessageSize + 1}")));
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<a@remote.test> SIZE={SmtpServer.MaxMessageSize}"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{account.Address}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        var line = new string('x', 998) + "\r\n";
        await client.SendAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 150)) + ".\r\n");
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", await client.ReadReplyAsync());
        Assert.Equal("503 5.5.1 Send MAIL first", await client.CommandAsync("DATA"));
        Assert.Empty(await server.InboxAsync(account.Id));
    }

    [Fact]
    public async Task A_full_mailbox_gets_452_4_2_2_at_RCPT()
    {
        var account = await server.CreateAccountAsync(quotaBytes: 1000);
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@remote.test> SIZE=5000"), StringComparison.Ordinal);
        Assert.Equal("452 4.2.2 Mailbox full, try again later", await client.CommandAsync($"RCPT TO:<{account.Address}>"));
        Assert.Equal("250 2.0.0 Reset OK", await client.CommandAsync("RSET"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@remote.test> SIZE=500"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{account.Address}>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_that_no_longer_fits_the_quota_after_DATA_gets_452_4_2_2_and_is_not_stored()
    {
        var account = await server.CreateAccountAsync(quotaBytes: 1000);
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@remote.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{account.Address}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.Equal("452 4.2.2 Mailbox full, try again later", await client.CommandAsync("Subject: large\r\n\r\n" + new string('x', 2000) + "\r\n."));
        Assert.Empty(await server.InboxAsync(account.Id));
    }

    [Fact]
    public async Task HELO_sessions_get_no_ESMTP_parameters_and_a_plain_SMTP_Received_header()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await ConnectAsync(server.Mx);
        Assert.Equal($"250 {SmtpServer.Hostname}", await client.CommandAsync("HELO old.client.test"));
        Assert.Equal("555 5.5.4", Code(await client.CommandAsync("MAIL FROM:<a@remote.test> SIZE=10")));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@remote.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{account.Address}>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 OK", await client.CommandAsync("Subject: old\r\n\r\nhello\r\n."), StringComparison.Ordinal);
        var stored = Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(account.Id)));
        Assert.StartsWith(SmtpServer.NothingPublishedResults("a@remote.test", null) + $"Received: from old.client.test ([127.0.0.1])\r\n\tby {SmtpServer.Hostname} with SMTP id ", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_BDAT_message_gets_552_5_3_4_its_octets_are_skipped_and_nothing_is_stored()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@remote.test>"), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{account.Address}>"), StringComparison.Ordinal);
        var size = SmtpServer.MaxMessageSize + 1;
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size", await ChunkAsync(client, $"BDAT {size} LAST\r\n" + new string('y', size)));
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
        Assert.Empty(await server.InboxAsync(account.Id));
    }

    [Fact]
    public async Task Pipelined_DATA_is_stored_byte_exact_after_the_Authentication_Results_and_Received_headers_with_dot_unstuffing()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        await client.SendAsync($"MAIL FROM:<sender@remote.test>\r\nRCPT TO:<{account.Address}>\r\nDATA\r\n");
        Assert.Equal("250 2.1.0 Sender OK", await client.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Recipient OK", await client.ReadReplyAsync());
        Assert.StartsWith("354 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        var body = "From: <sender@remote.test>\r\nSubject: exact\r\n\r\nline one\r\n.dot line\r\n\r\n..\r\n\u00e9t\u00e9 8bit\r\n";
        await client.SendAsync(body.Replace("\r\n.", "\r\n..", StringComparison.Ordinal) + ".\r\n");
        var reply = await client.ReadReplyAsync();
        Assert.StartsWith("250 2.0.0 OK queued as ", reply, StringComparison.Ordinal);

        var stored = Assert.Single(await server.InboxAsync(account.Id));
        var text = Encoding.UTF8.GetString(stored);
        var id = reply["250 2.0.0 OK queued as ".Length..];
        var expectedStart = SmtpServer.NothingPublishedResults("sender@remote.test", "remote.test") + $"Received: from client.test ([127.0.0.1])\r\n\tby {SmtpServer.Hostname} with ESMTP id {id}\r\n\tfor <{account.Address}>; ";
        Assert.StartsWith(expectedStart, text, StringComparison.Ordinal);
        var headerEnd = text.IndexOf("\r\n", expectedStart.Length, StringComparison.Ordinal) + 2;
        Assert.True(DateTimeOffset.TryParse(text[expectedStart.Length..(headerEnd - 2)], CultureInfo.InvariantCulture, out _));
        Assert.Equal(Encoding.UTF8.GetBytes(body), stored[Encoding.UTF8.GetByteCount(text[..headerEnd])..]);
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\n")]
    public async Task A_bare_LF_or_CR_terminator_does_not_end_DATA_and_smuggles_no_second_message(string fakeEnd)
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        await client.SendAsync($"MAIL FROM:<sender@remote.test>\r\nRCPT TO:<{account.Address}>\r\nDATA\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.ReadReplyAsync(), StringComparison.Ordinal);
        await client.SendAsync(
            $"Subject: first\r\n\r\nfirst{fakeEnd}MAIL FROM:<admin@remote.test>\r\nRCPT TO:<{account.Address}>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond\r\n.\r\n");
        // One reply for the one message: the smuggled commands were data, and the message is refused.
        Assert.Equal("550 5.6.11 Bare CR or LF in message data; lines must end with CRLF", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await client.CommandAsync("NOOP"));
        Assert.Empty(await server.InboxAsync(account.Id));
    }

    [Fact]
    public async Task BDAT_chunks_are_stored_and_BDAT_without_a_transaction_is_answered_503_after_its_octets()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await HelloAsync();
        // The chunk's octets are consumed even when the command is refused: "NOOP" inside it is not a command.
        Assert.Equal("503 5.5.1", Code(await ChunkAsync(client, "BDAT 6\r\nNOOP\r\n")));
        await client.SendAsync($"MAIL FROM:<sender@remote.test>\r\nRCPT TO:<{account.Address}>\r\n");
        Assert.StartsWith("250", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250", await client.ReadReplyAsync(), StringComparison.Ordinal);
        const string part1 = "Subject: chunked\r\n\r\nbare\nLF is fine in BDAT\r\n";
        const string part2 = ".\r\nno dot-stuffing\r\n";
        Assert.Equal($"250 2.0.0 {part1.Length} octets received", await ChunkAsync(client, $"BDAT {part1.Length}\r\n{part1}"));
        Assert.Equal("503 5.5.1", Code(await client.CommandAsync("DATA")));
        Assert.StartsWith("250 2.0.0 OK queued as", await ChunkAsync(client, $"BDAT {part2.Length} LAST\r\n{part2}"), StringComparison.Ordinal);
        var stored = Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(account.Id)));
        Assert.EndsWith(part1 + part2, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task STARTTLS_discards_pipelined_plaintext_and_resets_the_session()
    {
        await using var client = await HelloAsync();
        // RFC 3207 §4.2: the injected NOOP must not be answered inside TLS.
        await client.SendAsync("STARTTLS\r\nNOOP\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.ReadReplyAsync());
        await client.HandshakeAsync();
        Assert.Equal("503 5.5.1 Send EHLO or HELO first", await client.CommandAsync("MAIL FROM:<a@remote.test>"));
        var ehlo = await client.CommandAsync("EHLO client.test");
        Assert.Contains("250-AUTH PLAIN LOGIN", ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.Equal("503 5.5.1 TLS already active", await client.CommandAsync("STARTTLS"));
    }

    [Fact]
    public async Task Submission_refuses_AUTH_before_STARTTLS_and_MAIL_before_AUTH()
    {
        await using var client = await ConnectAsync(server.Submission);
        var ehlo = await client.CommandAsync("EHLO client.test");
        Assert.DoesNotContain("AUTH", ehlo, StringComparison.Ordinal);
        Assert.StartsWith("538 5.7.11 ", await client.CommandAsync("AUTH PLAIN " + Plain("a@b.test", "secret")), StringComparison.Ordinal);
        Assert.Equal("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<a@b.test>"));
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.CommandAsync("STARTTLS"));
        await client.HandshakeAsync();
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        Assert.Equal("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<a@b.test>"));
    }

    [Fact]
    public async Task Submission_MAIL_FROM_must_be_the_users_address_or_an_alias_of_it()
    {
        var account = await server.CreateAccountAsync();
        var other = await server.CreateAccountAsync(domain: account.Domain);
        var alias = $"alias-{Guid.NewGuid():N}"[..16] + "@" + account.Domain;
        Assert.True((await server.Directory.CreateAliasAsync(alias, account.Id, TestContext.Current.CancellationToken)).IsOk);
        await using var client = await AuthenticatedAsync(account.Address);
        Assert.Equal("553 5.7.1", Code(await client.CommandAsync($"MAIL FROM:<{other.Address}>")));
        Assert.Equal("553 5.7.1", Code(await client.CommandAsync("MAIL FROM:<>")));
        Assert.Equal("553 5.7.1", Code(await client.CommandAsync("MAIL FROM:<someone@remote.test>")));
        Assert.Equal("250 2.1.0 Sender OK", await client.CommandAsync($"MAIL FROM:<{alias.ToUpperInvariant()}>"));
        Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync("RCPT TO:<friend@remote.example>"));
    }

    [Fact]
    public async Task Submission_completes_a_missing_Date_and_Message_ID_and_MX_mail_stays_as_sent()
    {
        var account = await server.CreateAccountAsync();
        var recipient = await server.CreateAccountAsync(domain: account.Domain);
        const string content = "From: someone@remote.test\r\nSubject: bare\r\n\r\nDate: in the body is no Date field\r\n";
        await using (var client = await AuthenticatedAsync(account.Address))
        {
            Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{account.Address}>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{recipient.Address}>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("250 2.0.0", await client.CommandAsync(content + "."), StringComparison.Ordinal);
        }
        var submitted = Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(recipient.Id)));
        // RFC 6409 §8.2 and §8.3: below the trace fields, above the client's own.
        Assert.Matches(
            $@"\r\n\tfor <{Regex.Escape(recipient.Address)}>; [^\r]+\r\nDate: [A-Z][a-z]{{2}}, \d{{2}} [A-Z][a-z]{{2}} \d{{4}} \d{{2}}:\d{{2}}:\d{{2}} \+0000\r\n"
            + $@"Message-ID: <[0-9a-f]{{32}}@{Regex.Escape(SmtpServer.Hostname)}>\r\n{Regex.Escape(content)}\z",
            submitted);

        // The MX port relays what others wrote: nothing is added there.
        var mx = await server.CreateAccountAsync();
        await using (var client = await HelloAsync())
        {
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<sender@remote.test>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{mx.Address}>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("250 2.0.0", await client.CommandAsync(content + "."), StringComparison.Ordinal);
        }
        var relayed = Encoding.UTF8.GetString(Assert.Single(await server.InboxAsync(mx.Id)));
        Assert.StartsWith(SmtpServer.NothingPublishedResults("sender@remote.test", "remote.test") + "Received: ", relayed, StringComparison.Ordinal);
        Assert.Matches($@"\A[^\n]*\n\t[^\n]*\n\t[^\n]*\n\t[^\n]*\nReceived: [^\n]*\n\t[^\n]*\n\t[^\n]*\n{Regex.Escape(content)}\z", relayed);
    }

    [Fact]
    public async Task Wrong_passwords_get_535_and_then_a_temporary_ban_for_that_address()
    {
        var account = await server.CreateAccountAsync();
        var source = IPAddress.Parse("127.0.0.2");
        await using (var client = await StartTlsAsync(server.Submission, source))
        {
            for (var i = 0; i < SmtpServer.MaxAuthFailures; i++)
                Assert.Equal("535 5.7.8 Authentication credentials invalid", await client.CommandAsync("AUTH PLAIN " + Plain(account.Address, "wrong")));
            // Banned now: even the right password is refused.
            Assert.Equal("454 4.7.0", Code(await client.CommandAsync("AUTH PLAIN " + Plain(account.Address, ApiServer.Password))));
        }
        await using (var again = await RawSmtpClient.ConnectAsync(server.Mx, server.ValidateCertificate, source))
        {
            Assert.Equal($"421 4.7.0 {SmtpServer.Hostname} too many failed authentication attempts, try again later", await again.ReadReplyAsync());
            Assert.True(await again.IsClosedAsync());
        }
        // Other addresses are not affected.
        await using var fine = await AuthenticatedAsync(account.Address);
    }

    [Fact]
    public async Task AUTH_LOGIN_and_cancelled_exchanges()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await StartTlsAsync(server.Submission);
        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("501 5.7.0 Authentication cancelled", await client.CommandAsync("*"));
        Assert.Equal("504 5.5.4", Code(await client.CommandAsync("AUTH CRAM-MD5")));
        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await client.CommandAsync(Base64(account.Address)));
        Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync(Base64(ApiServer.Password)));
        Assert.Equal("503 5.5.1 Already authenticated", await client.CommandAsync("AUTH PLAIN " + Plain(account.Address, ApiServer.Password)));
    }

    [Fact]
    public async Task Connections_over_the_per_address_limit_get_421_4_7_0()
    {
        var source = IPAddress.Parse("127.0.0.3");
        var open = new List<RawSmtpClient>();
        try
        {
            for (var i = 0; i < SmtpServer.MaxConnectionsPerIp; i++)
                open.Add(await ConnectAsync(server.Mx, source));
            await using var refused = await RawSmtpClient.ConnectAsync(server.Mx, server.ValidateCertificate, source);
            Assert.Equal($"421 4.7.0 {SmtpServer.Hostname} too many connections from your address", await refused.ReadReplyAsync());
            Assert.True(await refused.IsClosedAsync());
            // Another address still gets in.
            await using var other = await ConnectAsync(server.Mx, IPAddress.Parse("127.0.0.4"));
        }
        finally
        {
            foreach (var client in open)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_vanishing_mid_DATA_leaves_nothing_stored()
    {
        var account = await server.CreateAccountAsync();
        await using (var client = await HelloAsync())
        {
            await client.SendAsync($"MAIL FROM:<sender@remote.test>\r\nRCPT TO:<{account.Address}>\r\nDATA\r\n");
            for (var i = 0; i < 3; i++)
                await client.ReadReplyAsync();
            await client.SendAsync("Subject: cut\r\n\r\nhalf a message\r\n");
        }
        // The server has seen the close once a new session on the same listener completes a full exchange.
        await using var probe = await HelloAsync();
        Assert.Equal("250 2.0.0 OK", await probe.CommandAsync("NOOP"));
        Assert.Empty(await server.InboxAsync(account.Id));
    }

    private async Task<RawSmtpClient> StartTlsAsync(IPEndPoint endPoint, IPAddress? source = null)
    {
        var client = await ConnectAsync(endPoint, source);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        Assert.StartsWith("220", await client.CommandAsync("STARTTLS"), StringComparison.Ordinal);
        await client.HandshakeAsync();
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.test"), StringComparison.Ordinal);
        return client;
    }

    private async Task<RawSmtpClient> AuthenticatedAsync(string address)
    {
        var client = await StartTlsAsync(server.Submission);
        Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync("AUTH PLAIN " + Plain(address, ApiServer.Password)));
        return client;
    }

    private static async Task<string> ChunkAsync(RawSmtpClient client, string commandAndChunk)
    {
        await client.SendAsync(commandAndChunk);
        return await client.ReadReplyAsync();
    }

    private static string Plain(string user, string password) => Base64($"\0{user}\0{password}");

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
