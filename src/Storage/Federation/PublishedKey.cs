using System.Text.Json.Serialization;

namespace RestMail.Storage.Federation;

/// <summary>One public key in a domain's JWKS (RFC 7517 §4; EC members RFC 7518 §6.2.1).</summary>
public sealed record PublishedKey(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("alg")] string Alg,
    [property: JsonPropertyName("use")] string Use);

/// <summary>A JWK Set (RFC 7517 §5): the keys a domain signs its deliveries with.</summary>
public sealed record PublishedKeySet([property: JsonPropertyName("keys")] IReadOnlyList<PublishedKey> Keys);
