using System.Text.Json.Serialization;

namespace RestMail.Storage.Federation;

/// <summary>
/// The JSON body of POST {endpoint}/deliver. <see cref="Raw"/> (base64 of the RFC 5322 message) is the
/// source of truth; subject and bodies are conveniences the receiver does not rely on.
/// </summary>
public sealed record FederationDelivery
{
    public const string DeliveredVia = "restmail/https";

    /// <summary>Names this message from this sender; with each recipient it names one delivery, done at most once.</summary>
    [JsonPropertyName("idempotency_key")] public required string IdempotencyKey { get; init; }

    /// <summary>The envelope sender (RFC 5321 reverse-path); its domain is the token's issuer.</summary>
    [JsonPropertyName("from")] public required string From { get; init; }

    /// <summary>Envelope recipients, all in the token's audience domain.</summary>
    [JsonPropertyName("to")] public required IReadOnlyList<string> To { get; init; }

    [JsonPropertyName("subject")] public string? Subject { get; init; }

    [JsonPropertyName("message_id")] public string? MessageId { get; init; }

    [JsonPropertyName("body_text")] public string? BodyText { get; init; }

    [JsonPropertyName("body_html")] public string? BodyHtml { get; init; }

    [JsonPropertyName("delivered_via")] public string? Via { get; init; } = DeliveredVia;

    /// <summary>The message, byte for byte, base64 (RFC 4648 §4).</summary>
    [JsonPropertyName("raw")] public required string Raw { get; init; }
}

/// <summary>The 200 answer of POST /deliver: one result per recipient.</summary>
public sealed record FederationDeliveryResponse([property: JsonPropertyName("results")] IReadOnlyList<FederationRecipientResult> Results);

/// <summary>
/// What happened to one recipient, as SMTP would have said it: <see cref="Code"/> 2xx delivered,
/// 4xx try again later (same idempotency key), 5xx failed for good.
/// </summary>
public sealed record FederationRecipientResult(
    [property: JsonPropertyName("recipient")] string Recipient,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("enhanced_code")] string EnhancedCode,
    [property: JsonPropertyName("message")] string Message);
