using MimeKit;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

/// <summary>A queue whose RestMail:Outbound:MaxLifetime is already over at the first attempt.</summary>
public sealed class ShortLifetimeServer(PostgresServer postgres) : OutboundServer(postgres)
{
    protected override void ConfigureRouting(IDictionary<string, string?> settings)
    {
        base.ConfigureRouting(settings);
        settings["RestMail:Outbound:MaxLifetime"] = "00:00:00.001";
    }
}

public sealed class LifetimeTests(ShortLifetimeServer server) : IClassFixture<ShortLifetimeServer>
{
    [Fact]
    public async Task A_deferred_recipient_past_the_lifetime_fails_with_an_expiry_dsn()
    {
        var sender = await server.CreateAccountAsync();
        var rcpt = $"slow@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[rcpt] = "451 4.3.0 Try later";

        var id = await server.SendAsync(sender.Id, sender.Address, $"From: <{sender.Address}>\r\nTo: <{rcpt}>\r\nSubject: expires\r\n\r\nx\r\n", rcpt);
        var entry = await server.WaitForStateAsync(id, "failed");

        Assert.StartsWith("4.4.7", Assert.Single(entry.Recipients).LastError, StringComparison.Ordinal);
        var dsn = MimeMessage.Load(new MemoryStream(Assert.Single(await server.InboxAsync(sender.Id))), TestContext.Current.CancellationToken);
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(dsn.Body)[1]);
        Assert.Contains(status.StatusGroups, g => g["Status"] == "4.4.7" && g["Action"] == "failed");
    }
}
