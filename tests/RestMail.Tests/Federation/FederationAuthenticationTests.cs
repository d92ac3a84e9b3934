using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Storage.Accounts;
using RestMail.Storage.Federation;

namespace RestMail.Tests.Federation;

/// <summary>POST /v1/deliver on B, by hand, with tokens signed by A's real key of the sender domain or by impostors.</summary>
[Collection(FederationCollection.Name)]
public sealed class FederationAuthenticationTests(FederationPair pair)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FederationDelivery Delivery(AccountRecord sender, AccountRecord recipient, string? from = null, string subject = "by hand") => new()
    {
        IdempotencyKey = Guid.NewGuid().ToString("N"),
        From = from ?? sender.Address,
        To = [recipient.Address],
        Subject = subject,
        Raw = Convert.ToBase64String(Encoding.UTF8.GetBytes($"From: <{sender.Address}>\r\nTo: <{recipient.Address}>\r\nSubject: {subject}\r\n\r\nhello\r\n")),
    };

    private async Task<FederationKey> KeyOfAsync(AccountRecord sender) =>
        (await pair.A.Services.GetRequiredService<FederationKeyStore>().GetSigningKeyAsync(FederationPair.DomainOf(sender.Address), Ct))!;

    private static string Sign(FederationKey key, AccountRecord recipient, byte[] body, DateTimeOffset? now = null) =>
        FederationToken.Create(key, FederationPair.DomainOf(recipient.Address), FederationToken.BodyHash(body), now ?? DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, FederationDiscovery.Combine(pair.B.Endpoint, "deliver"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        return await pair.FederationClient().SendAsync(request, Ct);
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, AccountRecord recipient)
    {
        var problem = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await pair.B.InboxAsync(recipient.Id));
    }

    [Fact]
    public async Task A_properly_signed_delivery_is_stored_with_the_federation_trail()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var body = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient));

        using var response = await PostAsync(body, Sign(await KeyOfAsync(sender), recipient, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The federation client and Kestrel agree on HTTP/2 through ALPN.
        Assert.Equal(HttpVersion.Version20, response.Version);
        var result = Assert.Single((await response.Content.ReadFromJsonAsync<FederationDeliveryResponse>(Ct))!.Results);
        Assert.Equal((recipient.Address, "delivered", 250, "2.0.0"), (result.Recipient, result.Status, result.Code, result.EnhancedCode));
        var stored = Encoding.UTF8.GetString(Assert.Single(await pair.B.InboxAsync(recipient.Id)));
        Assert.StartsWith("Received: from " + FederationPair.NameA, stored, StringComparison.Ordinal);
        Assert.EndsWith("Subject: by hand\r\n\r\nhello\r\n", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forged_sender_domain_is_refused_and_nothing_stored()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var key = await KeyOfAsync(sender);

        // A's real key, but the envelope claims another domain.
        var forgedFrom = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient, from: "ceo@bank.fed.test"));
        using (var response = await PostAsync(forgedFrom, Sign(key, recipient, forgedFrom)))
            await AssertRefusedAsync(response, HttpStatusCode.Forbidden, recipient);

        // Issuer and envelope agree on the other domain, but that domain publishes no keys that could match.
        var impostor = key with { Domain = "bank.fed.test" };
        using (var response = await PostAsync(forgedFrom, Sign(impostor, recipient, forgedFrom)))
            await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, recipient);
    }

    [Fact]
    public async Task A_token_signed_by_the_wrong_key_is_refused_and_nothing_stored()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var real = await KeyOfAsync(sender);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient));

        // The published kid, a key that is not the one published under it.
        using (var response = await PostAsync(body, Sign(real with { Key = other }, recipient, body)))
            await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, recipient);
        // A kid the sender domain never published.
        using (var response = await PostAsync(body, Sign(new FederationKey(FederationKey.Thumbprint(other), real.Domain, other), recipient, body)))
            await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, recipient);
    }

    [Fact]
    public async Task An_expired_token_is_refused_and_nothing_stored()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var body = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient));

        using var response = await PostAsync(body, Sign(await KeyOfAsync(sender), recipient, body, DateTimeOffset.UtcNow.AddMinutes(-10)));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, recipient);
    }

    [Fact]
    public async Task An_altered_body_is_refused_and_nothing_stored()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var delivery = Delivery(sender, recipient);
        var signed = JsonSerializer.SerializeToUtf8Bytes(delivery);
        var altered = JsonSerializer.SerializeToUtf8Bytes(delivery with
        {
            Raw = Convert.ToBase64String(Encoding.UTF8.GetBytes($"From: <{sender.Address}>\r\nTo: <{recipient.Address}>\r\nSubject: pay now\r\n\r\nsend money\r\n")),
        });

        using var response = await PostAsync(altered, Sign(await KeyOfAsync(sender), recipient, signed));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, recipient);
    }

    [Fact]
    public async Task A_replayed_token_is_refused_and_stores_nothing_more()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var body = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient));
        var token = Sign(await KeyOfAsync(sender), recipient, body);

        using (var first = await PostAsync(body, token))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var replayed = await PostAsync(body, token);

        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Single(await pair.B.InboxAsync(recipient.Id));
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var body = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient));
        var token = FederationToken.Create(await KeyOfAsync(sender), "elsewhere.fed.test", FederationToken.BodyHash(body), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));

        using var response = await PostAsync(body, token);

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, recipient);
    }

    [Fact]
    public async Task A_retry_with_the_same_idempotency_key_after_a_commit_stores_once_and_gets_the_same_answer()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var key = await KeyOfAsync(sender);
        var body = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient));

        // As after a timeout: the first POST committed, the sender never saw the answer and retries
        // with a new token (new jti) but the same body and idempotency key.
        using var first = await PostAsync(body, Sign(key, recipient, body));
        using var retry = await PostAsync(body, Sign(key, recipient, body));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var firstResult = (await first.Content.ReadFromJsonAsync<FederationDeliveryResponse>(Ct))!.Results;
        var retryResult = (await retry.Content.ReadFromJsonAsync<FederationDeliveryResponse>(Ct))!.Results;
        Assert.Equal(firstResult, retryResult);
        Assert.Single(await pair.B.InboxAsync(recipient.Id));
    }

    [Fact]
    public async Task The_key_set_publishes_the_key_that_signs_and_no_private_part()
    {
        var (sender, _) = await pair.CreatePeersAsync();
        var key = await KeyOfAsync(sender);

        using var response = await pair.FederationClient().GetAsync(
            FederationDiscovery.Combine(pair.A.Endpoint, "federation/keys/" + FederationPair.DomainOf(sender.Address)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync(Ct);
        var published = Assert.Single(JsonSerializer.Deserialize<PublishedKeySet>(json)!.Keys);
        Assert.Equal((key.Kid, "EC", "P-256", "ES256"), (published.Kid, published.Kty, published.Crv, published.Alg));
        Assert.DoesNotContain("\"d\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_key_is_published_before_it_signs_and_the_old_one_stays_published()
    {
        var (sender, recipient) = await pair.CreatePeersAsync();
        var store = pair.A.Services.GetRequiredService<FederationKeyStore>();
        var domain = FederationPair.DomainOf(sender.Address);
        var old = await KeyOfAsync(sender);

        var next = await store.RotateAsync(domain, DateTimeOffset.UtcNow.AddHours(2), Ct);

        Assert.NotNull(next);
        Assert.Equal([old.Kid, next], (await store.GetPublishedAsync(domain, Ct)).Select(k => k.Kid));
        Assert.Equal(old.Kid, (await KeyOfAsync(sender)).Kid);
        // Until it is retired, the old key still verifies what it signed.
        var body = JsonSerializer.SerializeToUtf8Bytes(Delivery(sender, recipient));
        using (var response = await PostAsync(body, Sign(old, recipient, body)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await store.RetireAsync(old.Kid, Ct));
        Assert.Equal([next], (await store.GetPublishedAsync(domain, Ct)).Select(k => k.Kid));
    }
}
