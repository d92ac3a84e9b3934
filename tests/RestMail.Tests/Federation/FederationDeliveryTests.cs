using System.Text;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Federation;

/// <summary>Mail queued on A for a domain on B, delivered by A's queue: over HTTPS when B is found, over SMTP otherwise.</summary>
[Collection(FederationCollection.Name)]
public sealed class FederationDeliveryTests(FederationPair pair)
{
    private static string Message(string from, string to, string subject) =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@fed.test>\r\n\r\n{subject}: the body.\r\n";

    private async Task<string> DeliverAsync(string from, long senderId, string to, string subject)
    {
        var id = await pair.A.SendAsync(senderId, from, Message(from, to, subject), to);
        await pair.A.WaitForStateAsync(id, "delivered");
        return subject;
    }

    private static bool CameOverFederation(string stored) =>
        stored.Contains(" with RESTMAIL id ", StringComparison.Ordinal) && stored.Contains("restmail=pass", StringComparison.Ordinal);

    private static bool CameOverSmtp(string stored) => stored.Contains(" with ESMTP", StringComparison.Ordinal);

    [Fact]
    public async Task Delivered_over_https_when_the_domain_publishes_its_endpoint_with_no_smtp_transaction()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();

        await DeliverAsync(sender.Address, sender.Id, recipient.Address, "over https");

        var stored = Encoding.UTF8.GetString(Assert.Single(await pair.B.InboxAsync(recipient.Id)));
        Assert.True(CameOverFederation(stored), stored);
        // B's SMTP gateway prepends "with ESMTP" to everything it accepts: this never went through it.
        Assert.False(CameOverSmtp(stored), stored);
        Assert.Contains($"Received: from {FederationPair.NameA} (REST Mail federation, {pair.A.Endpoint.AbsoluteUri}, HTTP/2)", stored, StringComparison.Ordinal);
        Assert.Contains("smtp.mailfrom=" + FederationPair.DomainOf(sender.Address), stored, StringComparison.Ordinal);
        // The message itself arrives byte for byte, DKIM signature of A included.
        Assert.Contains("DKIM-Signature:", stored, StringComparison.Ordinal);
        Assert.EndsWith("over https: the body.\r\n", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_by_ehlo_alone_upgrades_after_the_first_message()
    {
        var (sender, recipient) = await pair.CreatePeersAsync(recipientTxt: false);

        await DeliverAsync(sender.Address, sender.Id, recipient.Address, "first");
        await DeliverAsync(sender.Address, sender.Id, recipient.Address, "second");

        var inbox = (await pair.B.InboxAsync(recipient.Id)).Select(r => Encoding.UTF8.GetString(r)).ToList();
        Assert.Equal(2, inbox.Count);
        Assert.True(CameOverSmtp(inbox[0]) && !CameOverFederation(inbox[0]), inbox[0]);
        Assert.True(CameOverFederation(inbox[1]) && !CameOverSmtp(inbox[1]), inbox[1]);
        Assert.Equal(pair.B.Endpoint.AbsoluteUri, await pair.EndpointSeenByA(FederationPair.DomainOf(recipient.Address)));
    }

    [Fact]
    public async Task When_the_receivers_https_is_down_the_message_goes_over_smtp_once()
    {
        var (sender, recipient) = await pair.CreatePeersAsync(recipientEndpoint: FederationPair.DeadEndpoint());

        await DeliverAsync(sender.Address, sender.Id, recipient.Address, "https down");

        var stored = Encoding.UTF8.GetString(Assert.Single(await pair.B.InboxAsync(recipient.Id)));
        Assert.True(CameOverSmtp(stored) && !CameOverFederation(stored), stored);
        // The failure is remembered: the next messages go straight to SMTP for a while.
        Assert.Null(await pair.EndpointSeenByA(FederationPair.DomainOf(recipient.Address)));
    }

    [Fact]
    public async Task A_certificate_that_does_not_match_the_endpoint_falls_back_to_smtp()
    {
        // B's certificate names mx-b.fed.test; reaching B's port under A's name is a TLS failure.
        var wrongName = new Uri($"https://{FederationPair.NameA}:{pair.B.Host.HttpsPort}/v1");
        var (sender, recipient) = await pair.CreatePeersAsync(recipientEndpoint: wrongName);

        await DeliverAsync(sender.Address, sender.Id, recipient.Address, "bad certificate");

        var stored = Encoding.UTF8.GetString(Assert.Single(await pair.B.InboxAsync(recipient.Id)));
        Assert.True(CameOverSmtp(stored) && !CameOverFederation(stored), stored);
    }

    [Fact]
    public async Task Unknown_recipients_fail_with_the_smtp_code_the_receiver_gives()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..8] + "@" + FederationPair.DomainOf(recipient.Address);

        var id = await pair.A.SendAsync(sender.Id, sender.Address, Message(sender.Address, unknown, "unknown"), unknown);
        var entry = await pair.A.WaitForStateAsync(id, "failed");

        Assert.Contains("550 5.1.1", Assert.Single(entry.Recipients).LastError, StringComparison.Ordinal);
        Assert.Contains("restmail/https", entry.Recipients[0].LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_lost_after_the_receiver_committed_is_retried_over_https_with_the_same_key_and_stored_once()
    {
        await using var proxy = await AnswerDroppingProxy.StartAsync(pair);
        var (sender, recipient) = await pair.CreatePeersAsync(recipientEndpoint: new Uri($"https://{FederationPair.NameB}:{proxy.Port}/v1"));
        var to = recipient.Address;

        var id = await pair.A.SendAsync(sender.Id, sender.Address, Message(sender.Address, to, "lost answer"), to);
        var first = await pair.A.WaitForStateAsync(id, "queued", e => e.Attempts >= 1);

        // B stored it; A only knows that it does not know, and neither falls back to SMTP nor forgets B.
        Assert.Contains("same idempotency key", Assert.Single(first.Recipients).LastError, StringComparison.Ordinal);
        Assert.Single(await pair.B.InboxAsync(recipient.Id));
        Assert.NotNull(await pair.EndpointSeenByA(FederationPair.DomainOf(to)));

        // The next attempt (forced now rather than after the retry delay) gets B's recorded answer.
        Assert.Equal("delivered", await pair.A.Grains.GetGrain<RestMail.Grains.Queue.IQueueEntryGrain>(id).AttemptAsync());
        Assert.Equal(2, proxy.Requests);
        var stored = Encoding.UTF8.GetString(Assert.Single(await pair.B.InboxAsync(recipient.Id)));
        Assert.True(CameOverFederation(stored) && !CameOverSmtp(stored), stored);
    }
}
