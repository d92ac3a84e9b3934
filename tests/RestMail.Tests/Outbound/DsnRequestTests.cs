using System.Globalization;
using MimeKit;
using RestMail.Grains.Delivery;
using RestMail.Tests.Api;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

/// <summary>
/// The outbound server with a second sink that offers DSN, for the domain <see cref="DsnCapableDomain"/>.
/// </summary>
public sealed class DsnOutboundServer(PostgresServer postgres) : OutboundServer(postgres)
{
    public const string DsnCapableDomain = "dsn-capable.test";

    public SmtpSink DsnSink { get; } = new() { AdvertiseDsn = true };

    protected override void ConfigureRouting(IDictionary<string, string?> settings)
    {
        base.ConfigureRouting(settings);
        settings["RestMail:Outbound:StaticRoutes:" + DsnCapableDomain] = "127.0.0.1:" + DsnSink.Port.ToString(CultureInfo.InvariantCulture);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await DsnSink.DisposeAsync();
    }
}

/// <summary>RFC 3461: the queue honours NOTIFY, RET, ENVID and ORCPT, and passes them on to a DSN-capable next hop.</summary>
public sealed class DsnRequestTests(DsnOutboundServer server) : IClassFixture<DsnOutboundServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Message(string from, string to, string subject) =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@restmail.test>\r\n\r\nThe body line.\r\n";

    private static DeliveryNotifications Requests(string recipient, NotifyOn notify, string? envelopeId = null, bool full = false) => new()
    {
        ReturnFullMessage = full,
        EnvelopeId = envelopeId,
        Recipients = new Dictionary<string, RecipientNotifications> { [recipient] = new() { Notify = notify, OriginalRecipient = "rfc822;" + recipient } },
    };

    private static MessageDeliveryStatus StatusOf(byte[] raw, out MultipartReport report, out MimeMessage dsn)
    {
        dsn = MimeMessage.Load(new MemoryStream(raw));
        report = Assert.IsType<MultipartReport>(dsn.Body);
        return Assert.IsType<MessageDeliveryStatus>(report[1]);
    }

    [Fact]
    public async Task NOTIFY_NEVER_means_no_report_of_a_permanent_failure()
    {
        var sender = await server.CreateAccountAsync();
        var bad = $"nobody@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[bad] = "550 5.1.1 No such user here";

        var id = await server.SendAsync(sender.Id, sender.Address, Message(sender.Address, bad, "silent bounce"), Requests(bad, NotifyOn.None), bad);
        var entry = await server.WaitForStateAsync(id, "failed");

        Assert.Equal(NotifyOn.None, Assert.Single(entry.Recipients).Notify);
        Assert.Empty(await server.InboxAsync(sender.Id));
    }

    [Fact]
    public async Task RET_FULL_returns_the_whole_message_with_the_envelope_id_and_original_recipient()
    {
        var sender = await server.CreateAccountAsync();
        var bad = $"nobody@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[bad] = "550 5.1.1 No such user here";

        var id = await server.SendAsync(sender.Id, sender.Address, Message(sender.Address, bad, "full return"),
            Requests(bad, NotifyOn.Failure, envelopeId: "env-42", full: true), bad);
        await server.WaitForStateAsync(id, "failed");

        var status = StatusOf(Assert.Single(await server.InboxAsync(sender.Id)), out var report, out _);
        Assert.Equal("env-42", status.StatusGroups[0]["Original-Envelope-Id"]);
        var group = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal("rfc822;" + bad, group["Original-Recipient"]);
        Assert.Equal("failed", group["Action"]);
        var returned = Assert.IsType<MessagePart>(report[2]).Message;
        Assert.NotNull(returned);
        Assert.Equal("full return", returned.Subject);
        Assert.Contains("The body line.", returned.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_RET_FULL_a_failure_report_carries_only_the_header()
    {
        var sender = await server.CreateAccountAsync();
        var bad = $"nobody@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[bad] = "550 5.1.1 No such user here";

        var id = await server.SendAsync(sender.Id, sender.Address, Message(sender.Address, bad, "headers only"), Requests(bad, NotifyOn.Failure), bad);
        await server.WaitForStateAsync(id, "failed");

        StatusOf(Assert.Single(await server.InboxAsync(sender.Id)), out var report, out _);
        Assert.IsType<TextRfc822Headers>(report[2]);
    }

    [Fact]
    public async Task NOTIFY_SUCCESS_through_a_server_without_DSN_gives_one_relayed_report()
    {
        var sender = await server.CreateAccountAsync();
        var domain = ApiServer.UniqueDomain();
        var (asked, silent) = ($"asked@{domain}", $"silent@{domain}");
        var requests = Requests(asked, NotifyOn.Success | NotifyOn.Failure, envelopeId: "relay-1");

        var id = await server.SendAsync(sender.Id, sender.Address, Message(sender.Address, asked, "relayed"), requests, asked, silent);
        await server.WaitForStateAsync(id, "delivered");

        var status = StatusOf(Assert.Single(await server.InboxAsync(sender.Id)), out var report, out var dsn);
        Assert.Equal("Relayed Mail Report", dsn.Subject);
        Assert.Equal("relay-1", status.StatusGroups[0]["Original-Envelope-Id"]);
        var group = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal($"rfc822; {asked}", group["Final-Recipient"]);
        Assert.Equal("relayed", group["Action"]);
        Assert.Equal("2.0.0", group["Status"]);
        Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.DoesNotContain(server.Sink.EnvelopeCommands, c => c.Contains("NOTIFY=", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_DSN_capable_next_hop_gets_the_requests_and_no_report_is_sent_here()
    {
        var sender = await server.CreateAccountAsync();
        var recipient = $"carol-{Guid.NewGuid():N}@{DsnOutboundServer.DsnCapableDomain}";
        var requests = Requests(recipient, NotifyOn.Success | NotifyOn.Delay, envelopeId: "pass-on", full: true);

        var id = await server.SendAsync(sender.Id, sender.Address, Message(sender.Address, recipient, "passed on"), requests, recipient);
        await server.WaitForStateAsync(id, "delivered");

        Assert.Single(server.DsnSink.For(recipient));
        var mail = Assert.Single(server.DsnSink.EnvelopeCommands, c => c.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase) && c.Contains("ENVID=pass-on", StringComparison.Ordinal));
        Assert.Contains("RET=FULL", mail, StringComparison.Ordinal);
        var rcpt = Assert.Single(server.DsnSink.EnvelopeCommands, c => c.Contains(recipient, StringComparison.Ordinal) && c.StartsWith("RCPT", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("NOTIFY=SUCCESS,DELAY", rcpt, StringComparison.Ordinal);
        Assert.Empty(await server.InboxAsync(sender.Id));
    }
}
