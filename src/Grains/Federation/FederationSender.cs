using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using RestMail.Storage.Federation;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Federation;

/// <summary>
/// Delivers one message to one remote domain's REST Mail endpoint: POST {endpoint}/deliver with the
/// JSON body and a bearer token signed by the sender domain's key (docs/federation.md). Per-recipient
/// codes map as SMTP's do: 2xx delivered, 4xx deferred, 5xx failed.
/// </summary>
internal sealed partial class FederationSender(
    IHttpClientFactory httpClients,
    FederationKeyStore keys,
    IOptions<FederationOptions> options,
    TimeProvider time,
    ILogger<FederationSender> logger)
{
    public async Task<FederationAttempt> SendAsync(
        Uri endpoint, string mailFrom, string recipientDomain, IReadOnlyList<string> recipients,
        byte[] raw, MimeMessage message, string idempotencyKey, CancellationToken cancellationToken)
    {
        var senderDomain = mailFrom[(mailFrom.LastIndexOf('@') + 1)..].ToLowerInvariant();
        if (await keys.GetSigningKeyAsync(senderDomain, cancellationToken) is not { } key)
            return FederationAttempt.UseSmtp($"the sender domain {senderDomain} is not hosted here, so it cannot sign", endpointFailed: false);

        var body = JsonSerializer.SerializeToUtf8Bytes(new FederationDelivery
        {
            IdempotencyKey = idempotencyKey,
            From = mailFrom,
            To = recipients,
            Subject = message.Subject,
            MessageId = message.MessageId,
            BodyText = message.TextBody,
            BodyHtml = message.HtmlBody,
            Raw = Convert.ToBase64String(raw),
        });
        var token = FederationToken.Create(key, recipientDomain, FederationToken.BodyHash(body), time.GetUtcNow(), options.Value.TokenLifetime);
        using var request = new HttpRequestMessage(HttpMethod.Post, FederationDiscovery.Combine(endpoint, "deliver"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
            // A request built by hand does not take the client's default version: ask for HTTP/2 here.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

        var http = httpClients.CreateClient(FederationHttp.ClientName);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError)
        {
            // Not connected, or TLS refused: the request was never sent, so SMTP cannot duplicate it.
            return FederationAttempt.UseSmtp($"{endpoint.Host}: {e.HttpRequestError}: {e.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // Sent, answer lost (timeout, reset): the receiver may have committed. Only the same
            // request with the same idempotency key is safe, so defer and retry over HTTPS.
            LogUncertain(endpoint.AbsoluteUri, e.Message);
            return Deferred(recipients, $"4.4.2 REST Mail delivery to {endpoint.Host} got no answer ({e.Message}); retrying with the same idempotency key") with { Unanswered = true };
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.OK)
                return await ReadResultsAsync(response, endpoint, recipients, cancellationToken);
            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
                return new FederationAttempt([.. recipients.Select(r => new RecipientOutcome(r, RecipientOutcomeKind.Failed, $"552 5.3.4 Message too big for {endpoint.Host} (HTTP 413)"))], "413");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                return Deferred(recipients, $"4.7.0 {endpoint.Host} asks to slow down (HTTP 429)");
            // 401/403 (our token refused), 404/405 (not a REST Mail endpoint), other 4xx, 5xx: SMTP still works.
            var problem = await ReadProblemAsync(response, cancellationToken);
            return FederationAttempt.UseSmtp(string.Create(CultureInfo.InvariantCulture, $"{endpoint.Host} answered HTTP {status}{(problem is null ? "" : ": " + problem)}"));
        }
    }

    private static async Task<FederationAttempt> ReadResultsAsync(HttpResponseMessage response, Uri endpoint, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
    {
        FederationDeliveryResponse? answer;
        try
        {
            answer = await response.Content.ReadFromJsonAsync<FederationDeliveryResponse>(cancellationToken);
        }
        catch (JsonException e)
        {
            // The receiver answered 200, so it may have delivered: do not risk SMTP, retry the same request.
            return Deferred(recipients, $"4.5.0 Unreadable answer from {endpoint.Host}: {e.Message}") with { Unanswered = true };
        }
        var byRecipient = (answer?.Results ?? []).GroupBy(r => r.Recipient, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        return new FederationAttempt([.. recipients.Select(r => byRecipient.TryGetValue(r, out var result)
            ? Outcome(r, result, endpoint)
            : new RecipientOutcome(r, RecipientOutcomeKind.Deferred, $"4.5.0 {endpoint.Host} gave no result for this recipient"))], "200");
    }

    private static RecipientOutcome Outcome(string recipient, FederationRecipientResult result, Uri endpoint)
    {
        var kind = result.Code >= 500 ? RecipientOutcomeKind.Failed : result.Code >= 400 ? RecipientOutcomeKind.Deferred : RecipientOutcomeKind.Delivered;
        return new RecipientOutcome(recipient, kind,
            string.Create(CultureInfo.InvariantCulture, $"{result.Code} {result.EnhancedCode} {result.Message} ({FederationDelivery.DeliveredVia} {endpoint.Host})"));
    }

    private static FederationAttempt Deferred(IReadOnlyList<string> recipients, string detail) =>
        new([.. recipients.Select(r => new RecipientOutcome(r, RecipientOutcomeKind.Deferred, detail))], detail);

    private static async Task<string?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 2310, Level = LogLevel.Warning, Message = "REST Mail delivery to {Endpoint} got no answer, retrying later with the same key: {Error}")]
    private partial void LogUncertain(string endpoint, string error);
}
