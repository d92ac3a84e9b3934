using System.Globalization;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Gateways.Imap;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Pop3;

/// <summary>POP3 and IMAP on the same host see one mailbox: the same identities, and POP3's deletions.</summary>
public sealed class Pop3ImapConsistencyTests(Pop3Server server) : IClassFixture<Pop3Server>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ImapClient> ImapAsync(string address)
    {
        var endPoint = server.Services.GetRequiredService<ImapListeners>().EndPoints[ImapListeners.ImapsName];
        var client = new ImapClient { ServerCertificateValidationCallback = server.ValidateCertificate, Timeout = 60_000 };
        await client.ConnectAsync(endPoint.Address.ToString(), endPoint.Port, SecureSocketOptions.SslOnConnect, Ct);
        await client.AuthenticateAsync(address, ApiServer.Password, Ct);
        return client;
    }

    private async Task<Pop3Client> Pop3Async(string address)
    {
        var client = new Pop3Client { ServerCertificateValidationCallback = server.ValidateCertificate, Timeout = 60_000 };
        await client.ConnectAsync(server.Pop3s.Address.ToString(), server.Pop3s.Port, SecureSocketOptions.SslOnConnect, Ct);
        await client.AuthenticateAsync(address, ApiServer.Password, Ct);
        return client;
    }

    [Fact]
    public async Task UIDL_is_IMAP_UIDVALIDITY_dot_UID_and_a_POP3_deletion_reaches_an_open_IMAP_session()
    {
        var account = await server.CreateAccountAsync();
        foreach (var subject in new[] { "first", "second", "third" })
            await server.DeliverAsync(account.Id, Pop3Server.Message(subject));

        using var imap = await ImapAsync(account.Address);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var imapUids = await imap.Inbox.SearchAsync(MailKit.Search.SearchQuery.All, Ct);
        var expected = imapUids.Select(u => string.Create(CultureInfo.InvariantCulture, $"{imap.Inbox.UidValidity}.{u.Id}")).ToList();

        using (var pop3 = await Pop3Async(account.Address))
        {
            Assert.Equal(expected, await pop3.GetMessageUidsAsync(Ct));
            await pop3.DeleteMessageAsync(1, Ct);
            await pop3.DisconnectAsync(quit: true, Ct);
        }

        // The open IMAP session learns of the expunge at its next command (NOOP reads the change log).
        await imap.NoOpAsync(Ct);
        Assert.Equal(2, imap.Inbox.Count);
        var remaining = await imap.Inbox.SearchAsync(MailKit.Search.SearchQuery.All, Ct);
        Assert.Equal([imapUids[0], imapUids[2]], remaining);
        await imap.DisconnectAsync(true, Ct);
    }
}
