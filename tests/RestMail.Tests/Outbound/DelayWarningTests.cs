using MimeKit;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

/// <summary>A queue that warns of delay at once and retries every 200 ms.</summary>
public sealed class DelayWarningServer(PostgresServer postgres) : OutboundServer(postgres)
{
    protected override void ConfigureRouting(IDictionary<string, string?> settings)
    {
        base.ConfigureRouting(settings);
        settings["RestMail:Outbound:DelayWarningAfter"] = "00:00:00.001";
        settings["RestMail:Outbound:RetryDelays:0"] = "00:00:00.200";
    }
}

public sealed class DelayWarningTests(DelayWarningServer server) : IClassFixture<DelayWarningServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deferred_recipient_gets_one_delay_notice_however_many_retries_follow()
    {
        var sender = await server.CreateAccountAsync();
        var rcpt = $"busy@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[rcpt] = "451 4.2.1 Mailbox busy";

        var id = await server.SendAsync(sender.Id, sender.Address, $"From: <{sender.Address}>\r\nTo: <{rcpt}>\r\nSubject: patience\r\n\r\nx\r\n", rcpt);
        await server.WaitForStateAsync(id, "queued", e => e.Attempts >= 4);
        server.Sink.Replies.TryRemove(rcpt, out _);
        await server.WaitForStateAsync(id, "delivered");

        var notice = MimeMessage.Load(new MemoryStream(Assert.Single(await server.InboxAsync(sender.Id))), Ct);
        Assert.Equal("Delayed Mail (still being retried)", notice.Subject);
        var report = Assert.IsType<MultipartReport>(notice.Body);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        var group = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal($"rfc822; {rcpt}", group["Final-Recipient"]);
        Assert.Equal("delayed", group["Action"]);
        Assert.Equal("4.2.1", group["Status"]);
        Assert.NotNull(group["Will-Retry-Until"]);
        var original = Assert.IsType<TextRfc822Headers>(report[2]).Message;
        Assert.NotNull(original);
        Assert.Equal("patience", original.Subject);
        Assert.Single(server.Sink.For(rcpt));
    }
}
