using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using RestMail.Grains.Federation;
using RestMail.Storage.Accounts;
using RestMail.Storage.Federation;
using RestMail.Tests.Hosting;

namespace RestMail.Tests.Federation;

/// <summary>
/// Issue 6's acceptance, end to end between three REST Mail servers and a real Postfix (see
/// <see cref="ThreeServerFederation"/>). Which way a message travelled is read from what the receiver
/// recorded: its Received and Authentication-Results fields, and whether its MX listener opened a session.
/// </summary>
[Collection(ThreeServerCollection.Name)]
public sealed class ThreeServerFederationTests(ThreeServerFederation net)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string Message(string from, string to, string subject) =>
        $"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@{ThreeServerFederation.Zone}>\r\n\r\n{subject}: the body.\r\n";

    private static string DomainOf(string address) => FederationPair.DomainOf(address);

    private static bool CameOverFederation(string stored) =>
        stored.Contains(" with RESTMAIL id ", StringComparison.Ordinal) && stored.Contains("restmail=pass", StringComparison.Ordinal);

    private static bool CameOverSmtp(string stored) => stored.Contains(" with ESMTP", StringComparison.Ordinal);

    /// <summary>Queues a message on <paramref name="from"/>'s server and waits until its queue has delivered it.</summary>
    private static async Task SendAsync(FederationServer server, AccountRecord from, string to, string subject)
    {
        var id = await server.SendAsync(from.Id, from.Address, Message(from.Address, to, subject), to);
        await server.WaitForStateAsync(id, "delivered");
    }

    private static async Task<List<string>> InboxAsync(FederationServer server, AccountRecord account) =>
        [.. (await server.InboxAsync(account.Id)).Select(r => Encoding.UTF8.GetString(r))];

    [Fact]
    public async Task Legacy_postfix_delivers_to_rest_mail_over_smtp_and_the_restmail_ehlo_keyword_does_not_disturb_it()
    {
        var account = await net.Alpha.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(net.Alpha));
        var subject = $"from legacy {Guid.NewGuid():N}";
        // What Postfix is shown when it connects to alpha's MX: the keyword it does not know.
        Assert.Matches($@"\n250[- ]X-RESTMAIL v1 https://{System.Text.RegularExpressions.Regex.Escape(net.Alpha.Host.Name)}/v1\n", await EhloAsync(net.Alpha.Host.Address));

        // Handed to Postfix, which relays it to alpha's MX on port 25.
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync(net.Legacy.Address.ToString(), net.Legacy.Port, MailKit.Security.SecureSocketOptions.None, Ct);
            var message = new MimeMessage { Subject = subject };
            message.From.Add(MailboxAddress.Parse($"bob@{ThreeServerFederation.LegacyDomain}"));
            message.To.Add(MailboxAddress.Parse(account.Address));
            message.Body = new TextPart("plain") { Text = "Hello from the legacy side." };
            await smtp.SendAsync(message, Ct);
            await smtp.DisconnectAsync(true, Ct);
        }

        var stored = await WaitForInboxAsync(net.Alpha, account, 1);
        Assert.Contains($"Subject: {subject}", stored[0], StringComparison.Ordinal);
        Assert.True(CameOverSmtp(stored[0]) && !CameOverFederation(stored[0]), stored[0]);
        // Alpha's own fields on top: Authentication-Results, then Received naming Postfix's EHLO and address.
        Assert.StartsWith($"Authentication-Results: {net.Alpha.Host.Name};", stored[0], StringComparison.Ordinal);
        Assert.Contains($"Received: from {ThreeServerFederation.LegacyHost} ([{net.Legacy.Address}])", stored[0], StringComparison.Ordinal);
        // Postfix sent from its own address, which the legacy domain's SPF record names.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(stored[0], $@"\tspf=pass[^;]*smtp\.mailfrom=[^;\s]*{System.Text.RegularExpressions.Regex.Escape(ThreeServerFederation.LegacyDomain)}"), stored[0]);
        Assert.Matches($@"relay={Regex(net.Alpha.Host.Address)}\[{Regex(net.Alpha.Host.Address)}\]:25, .*status=sent", net.Legacy.Log());
    }

    [Fact]
    public async Task Rest_mail_delivers_to_legacy_postfix_over_smtp_through_its_mx_record()
    {
        var sender = await net.Bravo.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(net.Bravo));
        var before = net.Legacy.Delivered(ThreeServerFederation.LegacyMailbox).Count;
        var subject = $"to legacy {Guid.NewGuid():N}";

        await SendAsync(net.Bravo, sender, $"{ThreeServerFederation.LegacyMailbox}@{ThreeServerFederation.LegacyDomain}", subject);

        var delivered = await net.Legacy.WaitForDeliveredAsync(ThreeServerFederation.LegacyMailbox, before + 1, Patience);
        var message = delivered.Select(d => Encoding.UTF8.GetString(d)).Single(m => m.Contains($"Subject: {subject}", StringComparison.Ordinal));
        Assert.Contains($"from {net.Bravo.Host.Name}", message, StringComparison.Ordinal);
        Assert.Contains($"d={ThreeServerFederation.HomeDomain(net.Bravo)}", message, StringComparison.Ordinal);
        // Postfix advertised nothing and publishes no _restmail record: bravo keeps using SMTP for it.
        Assert.Null(await net.Bravo.Grains.GetGrain<IRemoteDomainGrain>(ThreeServerFederation.LegacyDomain).GetEndpointAsync());
    }

    [Fact]
    public async Task Rest_mail_to_rest_mail_goes_over_https_with_the_federation_trail_and_no_smtp_session()
    {
        // Round the ring: alpha → bravo → charlie → alpha, each found through its _restmail record.
        var ring = new[] { net.Alpha, net.Bravo, net.Charlie };
        for (var i = 0; i < ring.Length; i++)
        {
            var (from, to) = (ring[i], ring[(i + 1) % ring.Length]);
            var sender = await from.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(from));
            var recipient = await to.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(to));
            var sessions = net.SmtpSessions[to].MxSessions;

            await SendAsync(from, sender, recipient.Address, $"ring {i}");

            var stored = Assert.Single(await InboxAsync(to, recipient));
            Assert.True(CameOverFederation(stored) && !CameOverSmtp(stored), stored);
            Assert.StartsWith($"Received: from {from.Host.Name} (REST Mail federation, {from.Endpoint.AbsoluteUri}, HTTP/2)", stored, StringComparison.Ordinal);
            // RFC 8601: the method, its result and the property it vouches for (folded over two lines).
            Assert.Matches($@"Authentication-Results: {System.Text.RegularExpressions.Regex.Escape(to.Host.Name)};\r\n\trestmail=pass \(ES256 token, key [A-Za-z0-9_-]+\)\r\n\tsmtp.mailfrom={System.Text.RegularExpressions.Regex.Escape(DomainOf(sender.Address))}\r\n", stored);
            // The raw message crossed byte for byte, the sender's DKIM signature with it.
            Assert.Contains("DKIM-Signature:", stored, StringComparison.Ordinal);
            Assert.EndsWith($"ring {i}: the body.\r\n", stored, StringComparison.Ordinal);
            Assert.Equal(sessions, net.SmtpSessions[to].MxSessions);
        }
    }

    [Fact]
    public async Task Discovery_through_ehlo_alone_upgrades_after_the_first_message()
    {
        var sender = await net.Alpha.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(net.Alpha));
        var recipient = await net.Bravo.CreateAccountAsync(domain: await net.NewDomainAsync(net.Bravo, restmailTxt: false));
        Assert.False(net.Dns.Txt.ContainsKey(FederationDiscovery.TxtName(DomainOf(recipient.Address))));
        var sessions = net.SmtpSessions[net.Bravo].MxSessions;

        await SendAsync(net.Alpha, sender, recipient.Address, "first");
        var afterFirst = net.SmtpSessions[net.Bravo].MxSessions;
        await SendAsync(net.Alpha, sender, recipient.Address, "second");

        var inbox = await InboxAsync(net.Bravo, recipient);
        Assert.Equal(2, inbox.Count);
        Assert.True(CameOverSmtp(inbox[0]) && !CameOverFederation(inbox[0]), inbox[0]);
        Assert.True(CameOverFederation(inbox[1]) && !CameOverSmtp(inbox[1]), inbox[1]);
        Assert.Equal(sessions + 1, afterFirst);
        Assert.Equal(afterFirst, net.SmtpSessions[net.Bravo].MxSessions);
        Assert.Equal(net.Bravo.Endpoint.AbsoluteUri, await net.Alpha.Grains.GetGrain<IRemoteDomainGrain>(DomainOf(recipient.Address)).GetEndpointAsync());
    }

    [Fact]
    public async Task When_the_receivers_https_is_down_the_message_goes_over_smtp_exactly_once()
    {
        // Charlie's domain names an HTTPS endpoint on charlie's host where nothing listens.
        var down = new Uri($"https://{net.Charlie.Host.Name}:{FreePort.Next()}/v1");
        var sender = await net.Alpha.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(net.Alpha));
        var recipient = await net.Charlie.CreateAccountAsync(domain: await net.NewDomainAsync(net.Charlie, endpoint: down));
        var sessions = net.SmtpSessions[net.Charlie].MxSessions;

        await SendAsync(net.Alpha, sender, recipient.Address, "https down");

        var stored = Assert.Single(await InboxAsync(net.Charlie, recipient));
        Assert.True(CameOverSmtp(stored) && !CameOverFederation(stored), stored);
        Assert.Equal(sessions + 1, net.SmtpSessions[net.Charlie].MxSessions);
        Assert.Null(await net.Alpha.Grains.GetGrain<IRemoteDomainGrain>(DomainOf(recipient.Address)).GetEndpointAsync());
    }

    [Fact]
    public async Task Keys_rotate_through_the_admin_api_while_mail_keeps_flowing_over_https_to_a_receiver_holding_the_old_key_set()
    {
        var domain = await net.NewDomainAsync(net.Alpha);
        var sender = await net.Alpha.CreateAccountAsync(domain: domain);
        var recipient = await net.Bravo.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(net.Bravo));
        var (_, admin) = await net.Alpha.CreateSignedInAsync(admin: true);
        using var _admin = admin;
        var keys = $"/v1/admin/domains/{domain}/federation/keys";
        var sessions = net.SmtpSessions[net.Bravo].MxSessions;

        // The first message makes bravo fetch and cache the domain's key set: the old key alone.
        var old = Assert.Single(await admin.GetFromJsonAsync<JsonElement[]>(keys, Ct) ?? []);
        Assert.True(old.GetProperty("signing").GetBoolean());
        var oldKid = old.GetProperty("kid").GetString()!;
        await SendAsync(net.Alpha, sender, recipient.Address, "before the rotation");

        using var rotated = await admin.PostAsJsonAsync(keys + "/rotate", new { }, Ct);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var added = await rotated.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var newKid = added.GetProperty("kid").GetString()!;
        Assert.False(added.GetProperty("signing").GetBoolean());
        Assert.Equal([oldKid, newKid], (await admin.GetFromJsonAsync<JsonElement[]>(keys, Ct))!.Select(k => k.GetProperty("kid").GetString()));
        // Published, not yet signing: the old key signs and bravo's cached set still verifies it.
        await SendAsync(net.Alpha, sender, recipient.Address, "new key published");

        // The ten minutes the new key waits (the key store's and the key cache's clock; tokens keep real time).
        net.KeyClock.Advance(TimeSpan.FromMinutes(11));
        await SendAsync(net.Alpha, sender, recipient.Address, "new key signs");

        using (var retired = await admin.DeleteAsync($"{keys}/{oldKid}", Ct))
            Assert.Equal(HttpStatusCode.NoContent, retired.StatusCode);
        await SendAsync(net.Alpha, sender, recipient.Address, "old key retired");

        var inbox = await InboxAsync(net.Bravo, recipient);
        Assert.Equal(4, inbox.Count);
        Assert.All(inbox, stored => Assert.True(CameOverFederation(stored) && !CameOverSmtp(stored), stored));
        Assert.Equal(sessions, net.SmtpSessions[net.Bravo].MxSessions);
        string[] expected = [oldKid, oldKid, newKid, newKid];
        for (var i = 0; i < inbox.Count; i++)
            Assert.Contains($"restmail=pass (ES256 token, key {expected[i]})", inbox[i], StringComparison.Ordinal);
        Assert.Equal([newKid], (await admin.GetFromJsonAsync<JsonElement[]>(keys, Ct))!.Select(k => k.GetProperty("kid").GetString()));
        // The published key set agrees: the retired key is gone from what receivers fetch.
        using var client = net.Alpha.Services.GetRequiredService<IHttpClientFactory>().CreateClient(FederationHttp.ClientName);
        var published = await client.GetStringAsync(FederationDiscovery.Combine(net.Alpha.Endpoint, "federation/keys/" + domain), Ct);
        Assert.Equal([newKid], JsonSerializer.Deserialize<PublishedKeySet>(published)!.Keys.Select(k => k.Kid));
    }

    [Fact]
    public async Task The_key_admin_api_refuses_unknown_domains_keys_and_delays()
    {
        var (_, admin) = await net.Alpha.CreateSignedInAsync(admin: true);
        using var _admin = admin;
        var domain = ThreeServerFederation.HomeDomain(net.Alpha);

        using (var response = await admin.GetAsync("/v1/admin/domains/nowhere.e2e.test/federation/keys", Ct))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var response = await admin.PostAsJsonAsync("/v1/admin/domains/nowhere.e2e.test/federation/keys/rotate", new { }, Ct))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using (var response = await admin.PostAsJsonAsync($"/v1/admin/domains/{domain}/federation/keys/rotate", new { signs_in_seconds = -1 }, Ct))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using (var response = await admin.DeleteAsync($"/v1/admin/domains/{domain}/federation/keys/no-such-kid", Ct))
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // A non-admin may not rotate.
        var (_, user) = await net.Alpha.CreateSignedInAsync();
        using var _user = user;
        using (var response = await user.PostAsJsonAsync($"/v1/admin/domains/{domain}/federation/keys/rotate", new { }, Ct))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>What a delivery to bravo is made to look like before it is posted.</summary>
    public enum Tampering
    {
        ForgedSenderDomain,
        ImpostorKeyForAnotherDomain,
        WrongKey,
        ExpiredToken,
        AlteredBody,
        ReplayedToken,
    }

    [Theory]
    [InlineData(Tampering.ForgedSenderDomain, HttpStatusCode.Forbidden)]
    [InlineData(Tampering.ImpostorKeyForAnotherDomain, HttpStatusCode.Unauthorized)]
    [InlineData(Tampering.WrongKey, HttpStatusCode.Unauthorized)]
    [InlineData(Tampering.ExpiredToken, HttpStatusCode.Unauthorized)]
    [InlineData(Tampering.AlteredBody, HttpStatusCode.Unauthorized)]
    [InlineData(Tampering.ReplayedToken, HttpStatusCode.Unauthorized)]
    public async Task Forged_or_tampered_deliveries_from_one_server_to_another_are_refused_and_nothing_is_stored(Tampering tampering, HttpStatusCode refusal)
    {
        // Charlie is the attacker where a domain is forged; alpha's own key signs the rest.
        var alphaDomain = ThreeServerFederation.HomeDomain(net.Alpha);
        var charlieDomain = ThreeServerFederation.HomeDomain(net.Charlie);
        var recipient = await net.Bravo.CreateAccountAsync(domain: ThreeServerFederation.HomeDomain(net.Bravo));
        var alphaKey = (await net.Alpha.Services.GetRequiredService<FederationKeyStore>().GetSigningKeyAsync(alphaDomain, Ct))!;
        var charlieKey = (await net.Charlie.Services.GetRequiredService<FederationKeyStore>().GetSigningKeyAsync(charlieDomain, Ct))!;
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ceo = "ceo@" + alphaDomain;
        var body = Body(ceo, recipient.Address, "pay the invoice");
        var (signedBody, key, issuedAt) = tampering switch
        {
            // Charlie's real key and issuer, an envelope that claims alpha's domain.
            Tampering.ForgedSenderDomain => (body, charlieKey, DateTimeOffset.UtcNow),
            // Charlie's key presented as alpha's: alpha's published key set has no such key.
            Tampering.ImpostorKeyForAnotherDomain => (body, charlieKey with { Domain = alphaDomain }, DateTimeOffset.UtcNow),
            // Alpha's published kid, a key that is not the one published under it.
            Tampering.WrongKey => (body, alphaKey with { Key = stranger }, DateTimeOffset.UtcNow),
            Tampering.ExpiredToken => (body, alphaKey, DateTimeOffset.UtcNow.AddMinutes(-10)),
            Tampering.AlteredBody => (Body(ceo, recipient.Address, "an innocent note"), alphaKey, DateTimeOffset.UtcNow),
            _ => (body, alphaKey, DateTimeOffset.UtcNow),
        };
        var token = FederationToken.Create(key, DomainOf(recipient.Address), FederationToken.BodyHash(signedBody), issuedAt, TimeSpan.FromMinutes(2));
        using var client = net.Charlie.Services.GetRequiredService<IHttpClientFactory>().CreateClient(FederationHttp.ClientName);

        if (tampering == Tampering.ReplayedToken)
        {
            // The genuine delivery, then the same request captured and sent again.
            using var genuine = await PostAsync(client, body, token);
            Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        }
        using var response = await PostAsync(client, body, token);

        Assert.True(response.StatusCode == refusal, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(tampering == Tampering.ReplayedToken ? 1 : 0, (await net.Bravo.InboxAsync(recipient.Id)).Count);
    }

    private static byte[] Body(string from, string to, string subject) => JsonSerializer.SerializeToUtf8Bytes(new FederationDelivery
    {
        IdempotencyKey = Guid.NewGuid().ToString("N"),
        From = from,
        To = [to],
        Subject = subject,
        Raw = Convert.ToBase64String(Encoding.UTF8.GetBytes($"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n\r\nhello\r\n")),
    });

    private async Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, FederationDiscovery.Combine(net.Bravo.Endpoint, "deliver"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        return await client.SendAsync(request, Ct);
    }

    private static string Regex(IPAddress address) => System.Text.RegularExpressions.Regex.Escape(address.ToString());

    /// <summary>The EHLO reply of the MX listener at the address, port 25.</summary>
    private static async Task<string> EhloAsync(IPAddress address)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address, 25, Ct);
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await reader.ReadLineAsync(Ct);
        await writer.WriteLineAsync("EHLO probe.e2e.test");
        var reply = new StringBuilder();
        string? line;
        while ((line = await reader.ReadLineAsync(Ct)) is not null)
        {
            reply.Append(line).Append('\n');
            if (line.Length < 4 || line[3] == ' ')
                break;
        }
        await writer.WriteLineAsync("QUIT");
        return reply.ToString();
    }

    private async Task<List<string>> WaitForInboxAsync(FederationServer server, AccountRecord account, int count)
    {
        // A real Postfix relays it: poll with a deadline.
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var inbox = await InboxAsync(server, account);
            if (inbox.Count >= count)
                return inbox;
            if (DateTime.UtcNow >= deadline)
                Assert.Fail($"{account.Address} holds {inbox.Count} of {count} messages. Postfix's log:\n{net.Legacy.Log()}");
            await Task.Delay(100, Ct);
        }
    }
}
