using System.Globalization;
using System.Net;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using RestMail.Tests.Api;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Imap;

/// <summary>IMAP and the other front-ends see each other's changes: SMTP delivery wakes IDLE, an IMAP STORE reaches SSE.</summary>
public sealed class ImapPushTests(ImapServer server) : IClassFixture<ImapServer>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task IDLE_sees_a_message_delivered_over_SMTP()
    {
        var account = await server.CreateAccountAsync();
        using var client = await server.ConnectAsync(account.Address);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        Assert.Equal(0, inbox.Count);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult();

        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token, Ct);
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync(server.Mx.Address.ToString(), server.Mx.Port, SecureSocketOptions.None, Ct);
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("someone@elsewhere.example"));
            message.To.Add(MailboxAddress.Parse(account.Address));
            message.Subject = "delivered over SMTP";
            message.Body = new TextPart("plain") { Text = "Wake up." };
            await smtp.SendAsync(message, Ct);
            await smtp.DisconnectAsync(true, Ct);
        }
        await arrived.Task.WaitAsync(Deadline, Ct);
        await done.CancelAsync();
        await idle;

        Assert.Equal(1, inbox.Count);
        var envelope = (await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, Ct)).Single().Envelope!;
        Assert.Equal("delivered over SMTP", envelope.Subject);
    }

    [Fact]
    public async Task A_flag_set_over_IMAP_shows_in_the_SSE_stream_and_the_REST_API()
    {
        var (account, rest) = await server.CreateSignedInAsync();
        using var _ = rest;
        var delivered = await server.DeliverAsync(account.Id, ImapMessages.Simple("flag me over IMAP"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events");
        request.Headers.Add("Last-Event-ID", delivered.ModSeq.ToString(CultureInfo.InvariantCulture));
        using var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(Ct));

        using var client = await server.ConnectAsync(account.Address);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        await inbox.AddFlagsAsync(0, MessageFlags.Flagged, true, Ct);
        var modSeq = (await inbox.FetchAsync([0], MessageSummaryItems.ModSeq | MessageSummaryItems.UniqueId, Ct)).Single();

        var changed = await events.ReadEventAsync(Deadline);
        Assert.Equal("flags_changed", changed.Event);
        Assert.Equal(delivered.MessageId, changed.Json.GetProperty("message_id").GetInt64());
        Assert.Equal((long)modSeq.UniqueId.Id, changed.Json.GetProperty("uid").GetInt64());
        Assert.Equal(modSeq.ModSeq!.Value.ToString(CultureInfo.InvariantCulture), changed.Id);

        var json = await (await rest.GetAsync($"/v1/messages/{delivered.MessageId}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["flagged"], json.GetProperty("flags").Strings());
    }
}
