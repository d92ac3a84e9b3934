using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using RestMail.Storage.Dkim;
using RestMail.Tests.Dkim;
using RestMail.Tests.Api;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

public sealed class OutboundDeliveryTests(OutboundServer server) : IClassFixture<OutboundServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Message(string from, string to, string subject) =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@restmail.test>\r\n\r\nHello,\r\n.leading dot line\r\nbye.\r\n";

    [Fact]
    public async Task Delivered_dkim_signed_with_the_exact_bytes_and_the_blobs_released()
    {
        var sender = await server.CreateAccountAsync();
        var domain = ApiServer.UniqueDomain();
        var (bob, carol) = ($"bob@{domain}", $"carol@{domain}");
        var raw = Message(sender.Address, bob, "outbound ok");

        var id = await server.SendAsync(sender.Id, sender.Address, raw, bob, carol);
        var segments = await server.SegmentsAsync(id);
        var entry = await server.WaitForStateAsync(id, "delivered");

        var received = Assert.Single(server.Sink.For(bob));
        Assert.Equal(sender.Address, received.MailFrom);
        Assert.Equal([bob, carol], received.Recipients.Order(StringComparer.Ordinal));
        // One DKIM-Signature in front of the original bytes, verifying with the sender domain's published key.
        var data = Encoding.UTF8.GetString(received.Data);
        Assert.StartsWith("DKIM-Signature:", data, StringComparison.Ordinal);
        Assert.Equal(raw, received.WithoutDkimSignature());
        var key = await server.Services.GetRequiredService<DkimKeyStore>().GetAsync(sender.Address.Split('@')[1], Ct);
        Assert.NotNull(key);
        var signed = MimeMessage.Load(new MemoryStream(received.Data), Ct);
        var locator = new StoredKeyLocator(key.Domain, key.Selector, key.RecordValue);
        Assert.True(await new DkimVerifier(locator).VerifyAsync(signed, signed.Headers.First(h => h.Id == HeaderId.DkimSignature), Ct));
        Assert.All(entry.Recipients, r => Assert.Equal("delivered", r.State));
        Assert.NotNull(entry.FinishedAt);
        Assert.True(await server.BlobsReleasedAsync(id, segments));
        Assert.Empty(await server.InboxAsync(sender.Id));
    }

    [Fact]
    public async Task Deferred_by_451_then_delivered_after_retry()
    {
        var sender = await server.CreateAccountAsync();
        var (admin, client) = await server.CreateSignedInAsync(admin: true);
        using var _ = client;
        var rcpt = $"later@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[rcpt] = "451 4.7.1 Greylisted, try again";

        var id = await server.SendAsync(sender.Id, sender.Address, Message(sender.Address, rcpt, "greylisted"), rcpt);
        var deferred = await server.WaitForStateAsync(id, "queued", e => e.Attempts == 1);
        var recipient = Assert.Single(deferred.Recipients);
        Assert.Equal("queued", recipient.State);
        Assert.Contains("451 4.7.1", recipient.LastError, StringComparison.Ordinal);
        Assert.True(deferred.NextAttemptAt > DateTimeOffset.UtcNow.AddSeconds(30), "the next attempt is a minute away");
        Assert.Empty(server.Sink.For(rcpt));

        server.Sink.Replies.TryRemove(rcpt, out var _r);
        await (await client.PostAsync($"/v1/admin/queue/{id}/retry", null, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var delivered = await server.WaitForStateAsync(id, "delivered");

        Assert.Equal(2, delivered.Attempts);
        Assert.Single(server.Sink.For(rcpt));
        Assert.Empty(await server.InboxAsync(sender.Id));
    }

    [Fact]
    public async Task Permanent_550_sends_one_dsn_to_the_local_sender_with_the_original_headers()
    {
        var sender = await server.CreateAccountAsync();
        var domain = ApiServer.UniqueDomain();
        var (good, bad) = ($"good@{domain}", $"nobody@{domain}");
        server.Sink.Replies[bad] = "550 5.1.1 No such user here";
        var raw = Message(sender.Address, bad, "will bounce");

        var id = await server.SendAsync(sender.Id, sender.Address, raw, good, bad);
        var entry = await server.WaitForStateAsync(id, "failed");

        Assert.Equal("delivered", entry.Recipients.Single(r => r.Address == good).State);
        Assert.Equal("failed", entry.Recipients.Single(r => r.Address == bad).State);
        Assert.Single(server.Sink.For(good));
        var dsnRaw = Assert.Single(await server.InboxAsync(sender.Id));
        var dsn = MimeMessage.Load(new MemoryStream(dsnRaw), Ct);
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(sender.Address, Assert.Single(dsn.To.Mailboxes).Address);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("dns; mx.restmail.test", status.StatusGroups[0]["Reporting-MTA"]);
        // MimeKit reads the blank line that ends the last group as an empty group.
        var group = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal($"rfc822; {bad}", group["Final-Recipient"]);
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("5.1.1", group["Status"]);
        Assert.Equal("dns; 127.0.0.1", group["Remote-MTA"]);
        Assert.StartsWith("smtp; 550 5.1.1 No such user here", group["Diagnostic-Code"], StringComparison.Ordinal);
        var headers = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.NotNull(headers.Message);
        Assert.Equal("will bounce", headers.Message.Subject);
        Assert.Equal(bad, Assert.Single(headers.Message.To.Mailboxes).Address);
    }

    [Fact]
    public async Task No_dsn_for_the_null_sender()
    {
        var sender = await server.CreateAccountAsync();
        var bad = $"gone@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[bad] = "550 5.1.1 No such user here";

        var id = await server.SendAsync(sender.Id, "", Message(sender.Address, bad, "a bounce that bounces"), bad);
        await server.WaitForStateAsync(id, "failed");

        Assert.Empty(await server.InboxAsync(sender.Id));
    }

    [Fact]
    public async Task A_deferred_entry_survives_a_restart_and_is_delivered_after_it()
    {
        var sender = await server.CreateAccountAsync();
        var rcpt = $"patient@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[rcpt] = "421 4.3.2 Shutting down";
        var raw = Message(sender.Address, rcpt, "across a restart");
        var id = await server.SendAsync(sender.Id, sender.Address, raw, rcpt);
        await server.WaitForStateAsync(id, "queued", e => e.Attempts == 1);

        await server.RestartAsync();
        server.Sink.Replies.TryRemove(rcpt, out var _r);
        var (_, client) = await server.CreateSignedInAsync(admin: true);
        using var _c = client;
        await (await client.PostAsync($"/v1/admin/queue/{id}/retry", null, Ct)).ReadJsonAsync(HttpStatusCode.OK);

        await server.WaitForStateAsync(id, "delivered");
        Assert.Equal(raw, Assert.Single(server.Sink.For(rcpt)).WithoutDkimSignature());
    }

    [Fact]
    public async Task A_remote_sender_gets_the_dsn_mailed_back_from_the_null_sender()
    {
        var account = await server.CreateAccountAsync();
        var remoteSender = $"author@{ApiServer.UniqueDomain()}";
        var bad = $"unknown@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[bad] = "550 5.1.1 Unknown user";

        var id = await server.SendAsync(account.Id, remoteSender, Message(remoteSender, bad, "bounce me home"), bad);
        await server.WaitForStateAsync(id, "failed");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.Sink.For(remoteSender).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the DSN did not reach the remote sender");
            await Task.Delay(50, Ct);
        }
        var returned = Assert.Single(server.Sink.For(remoteSender));
        Assert.Equal("", returned.MailFrom);
        var dsn = MimeMessage.Load(new MemoryStream(returned.Data), Ct);
        Assert.Equal("delivery-status", Assert.IsType<MultipartReport>(dsn.Body).ReportType);
        Assert.Empty(await server.InboxAsync(account.Id));
    }
}
