using System.Globalization;
using System.Text;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Storage.Mail;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Pop3;

/// <summary>MailKit's Pop3Client against the real listeners: every command, RESP-CODES, PIPELINING, STLS and implicit TLS.</summary>
public sealed class Pop3ClientTests(Pop3Server server) : IClassFixture<Pop3Server>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Pop3Client NewClient() => new() { ServerCertificateValidationCallback = server.ValidateCertificate, Timeout = 60_000 };

    private async Task<Pop3Client> ConnectAsync(string user, bool implicitTls = false, bool saslOnly = false, bool userPassOnly = false)
    {
        var client = NewClient();
        var endPoint = implicitTls ? server.Pop3s : server.Pop3;
        await client.ConnectAsync(endPoint.Address.ToString(), endPoint.Port,
            implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls, Ct);
        if (userPassOnly)
            client.AuthenticationMechanisms.Clear();
        if (saslOnly)
            client.AuthenticationMechanisms.IntersectWith(["PLAIN"]);
        await client.AuthenticateAsync(user, ApiServer.Password, Ct);
        return client;
    }

    private async Task<(long AccountId, string Address, List<byte[]> Messages)> AccountWithMessagesAsync(int count)
    {
        var account = await server.CreateAccountAsync();
        var messages = Enumerable.Range(1, count).Select(i => Pop3Server.Message($"Message {i}", $"Body of message {i}.")).ToList();
        foreach (var message in messages)
            await server.DeliverAsync(account.Id, message);
        return (account.Id, account.Address, messages);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    [Fact]
    public async Task STLS_then_SASL_PLAIN_advertises_every_capability_and_opens_the_maildrop()
    {
        var (_, address, messages) = await AccountWithMessagesAsync(3);
        using var client = NewClient();
        await client.ConnectAsync(server.Pop3.Address.ToString(), server.Pop3.Port, SecureSocketOptions.StartTls, Ct);
        Assert.True(client.IsSecure);
        // MailKit asked CAPA again after STLS (RFC 2595 §4) and added USER and SASL PLAIN to what it knew.
        Assert.Equal(
            Pop3Capabilities.Top | Pop3Capabilities.UIDL | Pop3Capabilities.User | Pop3Capabilities.ResponseCodes
                | Pop3Capabilities.Pipelining | Pop3Capabilities.Expire | Pop3Capabilities.Sasl | Pop3Capabilities.StartTLS,
            client.Capabilities);
        Assert.Equal(["PLAIN"], client.AuthenticationMechanisms);
        Assert.Equal(-1, client.ExpirePolicy);
        await client.AuthenticateAsync(address, ApiServer.Password, Ct);
        Assert.Equal(3, client.Count);
        Assert.Equal(messages.Sum(m => m.Length), client.Size);
        await client.DisconnectAsync(quit: true, Ct);
    }

    [Fact]
    public async Task USER_and_PASS_log_in_over_STLS()
    {
        var (_, address, _) = await AccountWithMessagesAsync(1);
        using var client = await ConnectAsync(address, userPassOnly: true);
        Assert.True(client.IsAuthenticated);
        Assert.Equal(1, await client.GetMessageCountAsync(Ct));
        await client.DisconnectAsync(quit: true, Ct);
    }

    [Fact]
    public async Task Implicit_TLS_on_the_pop3s_port()
    {
        var (_, address, messages) = await AccountWithMessagesAsync(2);
        using var client = await ConnectAsync(address, implicitTls: true);
        Assert.True(client.IsSecure);
        Assert.False(client.Capabilities.HasFlag(Pop3Capabilities.StartTLS));
        Assert.Equal(messages[1], await ReadAllAsync(await client.GetStreamAsync(1, cancellationToken: Ct)));
        await client.DisconnectAsync(quit: true, Ct);
    }

    [Fact]
    public async Task STAT_LIST_UIDL_RETR_TOP_and_NOOP_agree_with_the_store()
    {
        var (accountId, address, messages) = await AccountWithMessagesAsync(3);
        var inbox = await server.InboxAsync(accountId);
        var queries = server.Services.GetRequiredService<MailQueries>();
        var stored = (await queries.ListMessagesAsync(accountId, inbox.Id, new MessageListQuery(Limit: 10), Ct)).Items.OrderBy(m => m.Uid).ToList();

        using var client = await ConnectAsync(address);
        Assert.Equal(messages.Select(m => m.Length), await client.GetMessageSizesAsync(Ct));
        Assert.Equal(messages[2].Length, await client.GetMessageSizeAsync(2, Ct));
        // UIDL is "<UIDVALIDITY>.<UID>" of the Inbox: the identity an IMAP client sees.
        var uids = stored.Select(m => string.Create(CultureInfo.InvariantCulture, $"{inbox.UidValidity}.{m.Uid}")).ToList();
        Assert.Equal(uids, await client.GetMessageUidsAsync(Ct));
        Assert.Equal(uids[1], await client.GetMessageUidAsync(1, Ct));
        for (var i = 0; i < messages.Count; i++)
            Assert.Equal(messages[i], await ReadAllAsync(await client.GetStreamAsync(i, cancellationToken: Ct)));
        var message = await client.GetMessageAsync(0, Ct);
        Assert.Equal("Message 1", message.Subject);
        Assert.Equal("Body of message 1.", message.TextBody?.TrimEnd());
        var headers = await client.GetMessageHeadersAsync(2, Ct);
        Assert.Equal("Message 3", headers[MimeKit.HeaderId.Subject]);
        // TOP n 0 (MailKit's headersOnly) stops at the blank line after the header.
        var top = Encoding.ASCII.GetString(await ReadAllAsync(await client.GetStreamAsync(1, headersOnly: true, Ct)));
        Assert.EndsWith("\r\n\r\n", top, StringComparison.Ordinal);
        Assert.DoesNotContain("Body of message", top, StringComparison.Ordinal);
        await client.NoOpAsync(Ct);
        await client.DisconnectAsync(quit: true, Ct);
    }

    [Fact]
    public async Task DELE_and_RSET_change_nothing_but_DELE_and_QUIT_remove_the_message()
    {
        var (accountId, address, messages) = await AccountWithMessagesAsync(3);
        using (var client = await ConnectAsync(address))
        {
            await client.DeleteMessageAsync(0, Ct);
            await client.ResetAsync(Ct);
            Assert.Equal(messages.Select(m => m.Length), await client.GetMessageSizesAsync(Ct));
            await client.DisconnectAsync(quit: true, Ct);
        }
        Assert.Equal(3, (await server.InboxAsync(accountId)).Total);
        using (var client = await ConnectAsync(address))
        {
            await client.DeleteMessagesAsync([0, 2], Ct);
            await client.DisconnectAsync(quit: true, Ct);
        }
        using (var client = await ConnectAsync(address))
        {
            Assert.Equal(1, client.Count);
            Assert.Equal(messages[1], await ReadAllAsync(await client.GetStreamAsync(0, cancellationToken: Ct)));
            await client.DisconnectAsync(quit: true, Ct);
        }
        Assert.Equal(1, (await server.InboxAsync(accountId)).Total);
    }

    [Fact]
    public async Task PIPELINING_fetches_many_messages_in_one_batch()
    {
        var account = await server.CreateAccountAsync();
        var messages = Enumerable.Range(1, 60).Select(i => Pop3Server.Message($"Pipelined {i}", string.Join("\r\n", Enumerable.Repeat($"line {i}", 50)))).ToList();
        await server.DeliverManyAsync(account.Id, messages);
        using var client = await ConnectAsync(account.Address);
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Pipelining));
        var streams = await client.GetStreamsAsync(0, messages.Count, cancellationToken: Ct);
        var fetched = new List<string>();
        foreach (var stream in streams)
            fetched.Add(Encoding.ASCII.GetString(await ReadAllAsync(stream)));
        Assert.Equal(messages.Count, fetched.Count);
        // Deliveries ran concurrently, so UIDs follow commit order: compare as sets.
        Assert.Equal(messages.Select(Encoding.ASCII.GetString).Order(), fetched.Order());
        await client.DisconnectAsync(quit: true, Ct);
    }

    [Fact]
    public async Task Byte_stuffed_lines_come_back_exactly_as_stored()
    {
        var account = await server.CreateAccountAsync();
        var raw = Encoding.ASCII.GetBytes(
            "From: a@remote.test\r\nTo: b@example.test\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n.");
        await server.DeliverAsync(account.Id, raw);
        using var client = await ConnectAsync(account.Address);
        // A message that does not end in CRLF gets one before the terminator; everything else is as stored.
        var fetched = await ReadAllAsync(await client.GetStreamAsync(0, cancellationToken: Ct));
        Assert.Equal([.. raw, (byte)'\r', (byte)'\n'], fetched);
        await client.DisconnectAsync(quit: true, Ct);
    }

    [Fact]
    public async Task Refusals_are_command_errors_the_client_survives_wrong_password_IN_USE_and_deleted_messages()
    {
        var (_, address, _) = await AccountWithMessagesAsync(2);
        using (var wrong = NewClient())
        {
            await wrong.ConnectAsync(server.Pop3.Address.ToString(), server.Pop3.Port, SecureSocketOptions.StartTls, Ct);
            Assert.True(wrong.Capabilities.HasFlag(Pop3Capabilities.ResponseCodes));
            wrong.AuthenticationMechanisms.Clear();
            await Assert.ThrowsAsync<AuthenticationException>(() => wrong.AuthenticateAsync(address, "not the password", Ct));
            // Still connected: a failed login is not the end of the session.
            await wrong.AuthenticateAsync(address, ApiServer.Password, Ct);
            await wrong.DeleteMessageAsync(0, Ct);
            var deleted = await Assert.ThrowsAsync<Pop3CommandException>(() => wrong.GetMessageAsync(0, Ct));
            Assert.Equal("Message already deleted", deleted.StatusText);
            await wrong.NoOpAsync(Ct);
            await wrong.DisconnectAsync(quit: false, Ct);
        }
        using var first = await ConnectAsync(address);
        using (var second = NewClient())
        {
            await second.ConnectAsync(server.Pop3.Address.ToString(), server.Pop3.Port, SecureSocketOptions.StartTls, Ct);
            // [IN-USE] (the exact text is checked on a raw socket): MailKit reports it as a failed login.
            await Assert.ThrowsAsync<AuthenticationException>(() => second.AuthenticateAsync(address, ApiServer.Password, Ct));
        }
        Assert.Equal(2, first.Count);
        await first.DisconnectAsync(quit: true, Ct);
    }
}
