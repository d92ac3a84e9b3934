using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Hosting;
using RestMail.Storage.Mail;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Pop3;

/// <summary>Protocol edges over a real socket: exact responses, response codes, limits, hostile input, the UPDATE state.</summary>
public sealed class Pop3ProtocolTests(Pop3Server server) : IClassFixture<Pop3Server>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<RawPop3Client> ConnectAsync(IPAddress? source = null)
    {
        var client = await RawPop3Client.ConnectAsync(server.Pop3, server.ValidateCertificate, source);
        Assert.Equal($"+OK {Pop3Server.Hostname} POP3 server ready", await client.ReadLineAsync());
        return client;
    }

    private async Task<RawPop3Client> StartTlsAsync(IPAddress? source = null)
    {
        var client = await ConnectAsync(source);
        Assert.Equal("+OK Begin TLS negotiation", await client.CommandAsync("STLS"));
        await client.HandshakeAsync();
        return client;
    }

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    [Fact]
    public async Task Listeners_report_ready_and_CAPA_changes_with_TLS()
    {
        var readiness = server.Services.GetRequiredService<IListenerReadiness>().Snapshot();
        Assert.True(readiness["pop3"]);
        Assert.True(readiness["pop3s"]);
        await using var client = await ConnectAsync();
        Assert.Equal("+OK Capability list follows", await client.CommandAsync("CAPA"));
        Assert.Equal(["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "STLS"], await client.ReadBodyAsync());
        Assert.Equal("+OK Begin TLS negotiation", await client.CommandAsync("STLS"));
        await client.HandshakeAsync();
        Assert.Equal("+OK Capability list follows", await client.CommandAsync("CAPA"));
        Assert.Equal(["TOP", "UIDL", "USER", "SASL PLAIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER"], await client.ReadBodyAsync());
        Assert.Equal("-ERR TLS is already active", await client.CommandAsync("STLS"));
        Assert.Equal("+OK Bye", await client.CommandAsync("QUIT"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task A_plaintext_client_on_the_implicit_TLS_port_is_disconnected()
    {
        await using var client = await RawPop3Client.ConnectAsync(server.Pop3s, server.ValidateCertificate);
        await client.SendAsync("USER someone\r\n");
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Plaintext_login_is_refused_before_TLS()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await ConnectAsync();
        const string refused = "-ERR [AUTH] Plaintext authentication is disallowed before TLS; use STLS";
        Assert.Equal(refused, await client.CommandAsync("USER " + account.Address));
        Assert.Equal(refused, await client.CommandAsync("PASS " + ApiServer.Password));
        Assert.Equal(refused, await client.CommandAsync("AUTH PLAIN " + Plain(account.Address, ApiServer.Password)));
        Assert.Equal("-ERR Command not valid in this state", await client.CommandAsync("STAT"));
    }

    [Fact]
    public async Task Bytes_pipelined_after_STLS_are_discarded()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await ConnectAsync();
        // RFC 2595 §4 / the STARTTLS injection attack: a login smuggled in clear text behind STLS.
        await client.SendAsync($"STLS\r\nUSER {account.Address}\r\nPASS {ApiServer.Password}\r\n");
        Assert.Equal("+OK Begin TLS negotiation", await client.ReadLineAsync());
        await client.HandshakeAsync();
        Assert.Equal("-ERR Command not valid in this state", await client.CommandAsync("STAT"));
        Assert.Equal("-ERR Send USER first", await client.CommandAsync("PASS " + ApiServer.Password));
    }

    [Fact]
    public async Task Garbage_gets_a_clear_ERR_and_the_session_goes_on()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, Pop3Server.Message("only one"));
        // Its own address: the wrong password below counts against it.
        await using var client = await StartTlsAsync(IPAddress.Parse("127.0.1.7"));
        Assert.Equal("-ERR Unknown command", await client.CommandAsync("HELO there"));
        Assert.Equal("-ERR Unknown command", await client.CommandAsync(""));
        Assert.Equal("-ERR Unknown command", await client.CommandAsync("\u0001\u0002\u00ff garbage"));
        Assert.Equal("-ERR Line too long", await client.CommandAsync("NOOP " + new string('x', 300)));
        // A long password is not a long line: PASS may use up to 12288 octets, as AUTH may.
        Assert.Equal("+OK Send PASS", await client.CommandAsync("USER " + account.Address));
        Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync("PASS " + new string('p', 1000)));
        Assert.Equal("-ERR APOP is not supported; use USER/PASS or AUTH PLAIN", await client.CommandAsync("APOP user 0123456789abcdef"));
        Assert.Equal("+OK Send PASS", await client.CommandAsync("user " + account.Address));
        Assert.StartsWith("+OK Maildrop has 1 messages (", await client.CommandAsync("pass " + ApiServer.Password), StringComparison.Ordinal);
        Assert.Equal("-ERR Syntax error in arguments", await client.CommandAsync("LIST abc"));
        Assert.Equal("-ERR Syntax error in arguments", await client.CommandAsync("RETR -1"));
        Assert.Equal("-ERR No such message", await client.CommandAsync("RETR 0"));
        Assert.Equal("-ERR No such message", await client.CommandAsync("RETR 2"));
        Assert.Equal("-ERR No such message", await client.CommandAsync("DELE 999999999"));
        Assert.Equal("-ERR Syntax error in arguments", await client.CommandAsync("TOP 1"));
        Assert.Equal("-ERR Syntax error in arguments", await client.CommandAsync("STAT now"));
        Assert.Equal("-ERR Command not valid in this state", await client.CommandAsync("USER again"));
        Assert.StartsWith("+OK 1 ", await client.CommandAsync("STAT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_errors_close_the_connection()
    {
        await using var client = await ConnectAsync();
        for (var i = 1; i < Pop3Server.MaxErrors; i++)
            Assert.Equal("-ERR Unknown command", await client.CommandAsync("BOGUS"));
        Assert.Equal("-ERR Unknown command", await client.CommandAsync("BOGUS"));
        Assert.Equal("-ERR Too many errors; closing connection", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task A_line_without_end_is_discarded_unbuffered_and_answered_once()
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(new string('A', 100_000));
        await client.SendAsync("\r\nCAPA\r\n");
        Assert.Equal("-ERR Line too long", await client.ReadLineAsync());
        Assert.Equal("+OK Capability list follows", await client.ReadLineAsync());
        await client.ReadBodyAsync();
    }

    [Fact]
    public async Task AUTH_PLAIN_with_an_initial_response_with_a_continuation_and_cancelled()
    {
        var account = await server.CreateAccountAsync();
        await using (var client = await StartTlsAsync())
        {
            Assert.Equal("+OK Supported SASL mechanisms", await client.CommandAsync("AUTH"));
            Assert.Equal(["PLAIN"], await client.ReadBodyAsync());
            Assert.Equal("-ERR Unsupported SASL mechanism", await client.CommandAsync("AUTH CRAM-MD5"));
            Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
            Assert.Equal("-ERR Authentication cancelled", await client.CommandAsync("*"));
            Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
            Assert.Equal("-ERR Invalid base64 in the SASL response", await client.CommandAsync("not base64!"));
            Assert.Equal("+ ", await client.CommandAsync("AUTH PLAIN"));
            Assert.StartsWith("+OK Maildrop has 0 messages", await client.CommandAsync(Plain(account.Address, ApiServer.Password)), StringComparison.Ordinal);
            Assert.Equal("-ERR Command not valid in this state", await client.CommandAsync("AUTH PLAIN"));
            Assert.Equal("+OK Bye; 0 message(s) deleted", await client.CommandAsync("QUIT"));
        }
        await using (var client = await StartTlsAsync())
        {
            Assert.StartsWith("+OK Maildrop has 0 messages", await client.CommandAsync("AUTH PLAIN " + Plain(account.Address, ApiServer.Password)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Wrong_passwords_get_AUTH_then_LOGIN_DELAY_for_that_address()
    {
        var account = await server.CreateAccountAsync();
        var source = IPAddress.Parse("127.0.1.2");
        await using (var client = await StartTlsAsync(source))
        {
            for (var i = 0; i < Pop3Server.MaxAuthFailures; i++)
            {
                Assert.Equal("+OK Send PASS", await client.CommandAsync("USER " + account.Address));
                Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync("PASS wrong password"));
            }
            // Banned now: even the right password is refused.
            Assert.Equal("-ERR [LOGIN-DELAY] Too many failed logins from your address; try again later",
                await client.CommandAsync("AUTH PLAIN " + Plain(account.Address, ApiServer.Password)));
        }
        await using (var again = await RawPop3Client.ConnectAsync(server.Pop3, server.ValidateCertificate, source))
        {
            Assert.Equal("-ERR [LOGIN-DELAY] Too many failed logins from your address; try again later", await again.ReadLineAsync());
            Assert.True(await again.IsClosedAsync());
        }
        // Other addresses are not affected.
        await using var fine = await RawPop3Client.LoginAsync(server, account.Address, source: IPAddress.Parse("127.0.1.3"));
    }

    [Fact]
    public async Task Unknown_users_and_wrong_passwords_get_the_same_answer()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await StartTlsAsync(IPAddress.Parse("127.0.1.4"));
        Assert.Equal("+OK Send PASS", await client.CommandAsync("USER nobody@nowhere.test"));
        Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync("PASS " + ApiServer.Password));
        Assert.Equal("-ERR [AUTH] Authentication failed", await client.CommandAsync("AUTH PLAIN " + Plain(account.Address, "wrong")));
        // A good login clears the address's count.
        Assert.Equal("+OK Send PASS", await client.CommandAsync("USER " + account.Address));
        Assert.StartsWith("+OK Maildrop has", await client.CommandAsync("PASS " + ApiServer.Password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_over_the_per_address_limit_are_refused()
    {
        var source = IPAddress.Parse("127.0.1.5");
        var open = new List<RawPop3Client>();
        try
        {
            for (var i = 0; i < Pop3Server.MaxConnectionsPerIp; i++)
                open.Add(await ConnectAsync(source));
            await using var refused = await RawPop3Client.ConnectAsync(server.Pop3, server.ValidateCertificate, source);
            Assert.Equal("-ERR [SYS/TEMP] Too many connections from your address", await refused.ReadLineAsync());
            Assert.True(await refused.IsClosedAsync());
            await using var other = await ConnectAsync(IPAddress.Parse("127.0.1.6"));
        }
        finally
        {
            foreach (var client in open)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_second_session_for_the_account_gets_IN_USE_until_the_first_ends()
    {
        var account = await server.CreateAccountAsync();
        await using (var first = await RawPop3Client.LoginAsync(server, account.Address))
        {
            await using var second = await StartTlsAsync();
            Assert.Equal("+OK Send PASS", await second.CommandAsync("USER " + account.Address));
            Assert.Equal("-ERR [IN-USE] Maildrop is locked by another POP3 session", await second.CommandAsync("PASS " + ApiServer.Password));
            // Still in AUTHORIZATION: the second session may try again later.
            Assert.Equal("-ERR Command not valid in this state", await second.CommandAsync("STAT"));
            Assert.Equal("+OK Bye; 0 message(s) deleted", await first.CommandAsync("QUIT"));
            Assert.True(await first.IsClosedAsync());
            // The lock is released before the connection closes, so the retry gets in at once.
            Assert.Equal("+OK Send PASS", await second.CommandAsync("USER " + account.Address));
            Assert.StartsWith("+OK Maildrop has", await second.CommandAsync("PASS " + ApiServer.Password), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DELE_marks_RSET_unmarks_and_the_listings_skip_marked_messages()
    {
        var account = await server.CreateAccountAsync();
        var messages = new[] { Pop3Server.Message("one"), Pop3Server.Message("two"), Pop3Server.Message("three") };
        foreach (var message in messages)
            await server.DeliverAsync(account.Id, message);
        var inbox = await server.InboxAsync(account.Id);
        await using var client = await RawPop3Client.LoginAsync(server, account.Address);
        var total = messages.Sum(m => m.Length);
        Assert.Equal(Invariant($"+OK 3 {total}"), await client.CommandAsync("STAT"));
        Assert.Equal("+OK Message 2 deleted", await client.CommandAsync("DELE 2"));
        Assert.Equal("-ERR Message already deleted", await client.CommandAsync("DELE 2"));
        Assert.Equal("-ERR Message already deleted", await client.CommandAsync("RETR 2"));
        Assert.Equal("-ERR Message already deleted", await client.CommandAsync("LIST 2"));
        Assert.Equal(Invariant($"+OK 2 {total - messages[1].Length}"), await client.CommandAsync("STAT"));
        Assert.Equal(Invariant($"+OK 2 messages ({total - messages[1].Length} octets)"), await client.CommandAsync("LIST"));
        Assert.Equal([Invariant($"1 {messages[0].Length}"), Invariant($"3 {messages[2].Length}")], await client.ReadBodyAsync());
        Assert.Equal("+OK Unique-id listing follows", await client.CommandAsync("UIDL"));
        var uidl = await client.ReadBodyAsync();
        Assert.Equal(2, uidl.Count);
        Assert.StartsWith("1 ", uidl[0], StringComparison.Ordinal);
        Assert.StartsWith("3 ", uidl[1], StringComparison.Ordinal);
        Assert.Equal(Invariant($"+OK 3 {inbox.UidValidity}.{uidl[1].Split('.')[1]}"), await client.CommandAsync("UIDL 3"));
        Assert.Equal(Invariant($"+OK Maildrop has 3 messages ({total} octets)"), await client.CommandAsync("RSET"));
        Assert.Equal(Invariant($"+OK 2 {messages[1].Length}"), await client.CommandAsync("LIST 2"));
        Assert.Equal("+OK", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task RETR_and_TOP_byte_stuff_and_TOP_counts_body_lines()
    {
        var account = await server.CreateAccountAsync();
        var raw = "Subject: stuffing\r\nX-Dot: yes\r\n\r\n.first\r\nsecond\r\n..third\r\nfourth\r\n";
        await server.DeliverAsync(account.Id, Encoding.ASCII.GetBytes(raw));
        await using var client = await RawPop3Client.LoginAsync(server, account.Address);
        Assert.Equal(Invariant($"+OK {raw.Length} octets"), await client.CommandAsync("RETR 1"));
        Assert.Equal(["Subject: stuffing", "X-Dot: yes", "", "..first", "second", "...third", "fourth"], await client.ReadBodyAsync());
        Assert.Equal("+OK Top of message follows", await client.CommandAsync("TOP 1 0"));
        Assert.Equal(["Subject: stuffing", "X-Dot: yes", ""], await client.ReadBodyAsync());
        Assert.Equal("+OK Top of message follows", await client.CommandAsync("TOP 1 3"));
        Assert.Equal(["Subject: stuffing", "X-Dot: yes", "", "..first", "second", "...third"], await client.ReadBodyAsync());
        Assert.Equal("+OK Top of message follows", await client.CommandAsync("TOP 1 100"));
        Assert.Equal(7, (await client.ReadBodyAsync()).Count);
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, Pop3Server.Message("a"));
        await server.DeliverAsync(account.Id, Pop3Server.Message("b"));
        await using var client = await StartTlsAsync();
        await client.SendAsync($"USER {account.Address}\r\nPASS {ApiServer.Password}\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nBOGUS\r\nUIDL 2\r\nQUIT\r\n");
        Assert.Equal("+OK Send PASS", await client.ReadLineAsync());
        Assert.StartsWith("+OK Maildrop has 2 messages", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("+OK 2 ", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("+OK 2 messages", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal(2, (await client.ReadBodyAsync()).Count);
        Assert.EndsWith(" octets", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Contains("Subject: a", await client.ReadBodyAsync());
        Assert.Equal("+OK Message 1 deleted", await client.ReadLineAsync());
        Assert.Equal("-ERR Unknown command", await client.ReadLineAsync());
        Assert.StartsWith("+OK 2 ", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("+OK Bye; 1 message(s) deleted", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        Assert.Equal(1, (await server.InboxAsync(account.Id)).Total);
    }

    [Fact]
    public async Task A_dropped_connection_deletes_nothing_and_frees_the_maildrop()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, Pop3Server.Message("keep me"));
        var client = await RawPop3Client.LoginAsync(server, account.Address);
        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
        client.Drop();
        await client.DisposeAsync();

        // The server notices the closed socket on its own; wait for it to release the lock.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await using var again = await StartTlsAsync();
            Assert.Equal("+OK Send PASS", await again.CommandAsync("USER " + account.Address));
            var answer = await again.CommandAsync("PASS " + ApiServer.Password);
            if (answer.StartsWith("-ERR [IN-USE]", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, Ct);
                continue;
            }
            Assert.StartsWith("+OK Maildrop has 1 messages", answer, StringComparison.Ordinal);
            break;
        }
        Assert.Equal(1, (await server.InboxAsync(account.Id)).Total);
    }

    [Fact]
    public async Task DELE_and_QUIT_remove_the_message_from_REST_and_release_its_quota()
    {
        var (account, http) = await server.CreateSignedInAsync();
        using var _ = http;
        var kept = Pop3Server.Message("kept");
        var removed = Pop3Server.Message("removed", new string('x', 5000));
        await server.DeliverAsync(account.Id, kept);
        var removedId = (await server.DeliverAsync(account.Id, removed)).MessageId;
        var before = await http.GetFromJsonAsync<QuotaUsage>("/v1/quota", ApiServer.Json, Ct);
        Assert.Equal(kept.Length + removed.Length, before!.UsedBytes);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/messages/{removedId}", Ct)).StatusCode);

        await using (var client = await RawPop3Client.LoginAsync(server, account.Address))
        {
            Assert.Equal("+OK Message 2 deleted", await client.CommandAsync("DELE 2"));
            Assert.Equal("+OK Bye; 1 message(s) deleted", await client.CommandAsync("QUIT"));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/v1/messages/{removedId}", Ct)).StatusCode);
        var after = await http.GetFromJsonAsync<QuotaUsage>("/v1/quota", ApiServer.Json, Ct);
        Assert.Equal(kept.Length, after!.UsedBytes);
        Assert.Equal(1, after.MessageCount);
        // The expunge went through the grain: it is in the change log IMAP and SSE read.
        var changes = await server.Services.GetRequiredService<MailQueries>().GetChangesAsync(account.Id, 0, 100, Ct);
        Assert.Contains(changes.Changes, c => c.MessageId == removedId && c.Kind == ChangeKind.Expunged);
    }

    [Fact]
    public async Task A_message_moved_out_of_the_Inbox_meanwhile_is_not_expunged_by_QUIT()
    {
        var account = await server.CreateAccountAsync();
        var id = (await server.DeliverAsync(account.Id, Pop3Server.Message("moved away"))).MessageId;
        var archive = (await server.Services.GetRequiredService<MailQueries>().ListFoldersAsync(account.Id, Ct)).Single(f => f.Role == FolderRole.Archive);
        await using var client = await RawPop3Client.LoginAsync(server, account.Address);
        Assert.Equal("+OK Message 1 deleted", await client.CommandAsync("DELE 1"));
        await server.Grains.GetGrain<IMailboxGrain>(account.Id).MoveAsync([id], archive.Id);
        Assert.Equal("+OK Bye; 0 message(s) deleted", await client.CommandAsync("QUIT"));
        Assert.Equal(1, (await server.Services.GetRequiredService<MailQueries>().GetFolderAsync(account.Id, archive.Id, Ct))!.Total);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
