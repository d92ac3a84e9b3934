using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RestMail.Storage.Accounts;
using RestMail.Storage.Federation;

namespace RestMail.Api.Federation;

/// <summary>
/// Checks the bearer token of POST /v1/deliver (docs/federation.md, "Authentication"): ES256 only, iss
/// = the envelope sender's domain, aud = the recipients' domain hosted here, a key from the sender
/// domain's own key set, exp no more than 5 minutes after iat, body_sha256 = the exact body, and a
/// jti never seen before (kept in PostgreSQL until the token expires, so every node agrees).
/// </summary>
public sealed class FederationAuthenticator(
    SenderKeyResolver keys, DirectoryStore directory, FederationReplayStore replay, TimeProvider time)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    public async Task<(AuthenticatedSender? Sender, FederationRefusal? Refusal)> AuthenticateAsync(
        string? authorization, ReadOnlyMemory<byte> body, FederationDelivery request, CancellationToken ct)
    {
        const string bearer = "Bearer ";
        if (authorization is null || !authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            return Refuse(401, "A bearer token signed by the sender domain is required.");
        JsonWebToken token;
        try
        {
            token = Handler.ReadJsonWebToken(authorization[bearer.Length..].Trim());
        }
        catch (ArgumentException)
        {
            return Refuse(401, "The bearer token is not a JWT.");
        }
        // RFC 8725 §3.1: the one algorithm this protocol uses, whatever the header says.
        if (token.Alg != SecurityAlgorithms.EcdsaSha256 || string.IsNullOrEmpty(token.Kid))
            return Refuse(401, "The token must be ES256 with a kid.");

        if (!MailAddresses.TryNormalizeAddress(request.From, out _, out var fromDomain))
            return Refuse(403, "The envelope sender is not an address.");
        if (!string.Equals(token.Issuer, fromDomain, StringComparison.OrdinalIgnoreCase))
            return Refuse(403, $"The token's issuer '{token.Issuer}' is not the envelope sender's domain '{fromDomain}'.");
        var audience = token.Audiences.Count() == 1 ? token.Audiences.Single().ToLowerInvariant() : "";
        if (audience.Length == 0 || await directory.GetDomainAsync(audience, ct) is null)
            return Refuse(403, $"The token's audience must be one domain hosted here.");
        foreach (var recipient in request.To)
        {
            if (!MailAddresses.TryNormalizeAddress(recipient, out _, out var domain) || domain != audience)
                return Refuse(403, $"The recipient '{recipient}' is not in the token's audience '{audience}'.");
        }

        var (senderKeys, key, keyError) = await keys.FindAsync(fromDomain, token.Kid, ct);
        if (key is null || senderKeys is null)
            return Refuse(401, keyError ?? "No key.");
        var validation = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = fromDomain,
            ValidAudience = audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
            LifetimeValidator = (notBefore, expires, _, _) => ValidLifetime(notBefore, expires),
        });
        if (!validation.IsValid)
            return Refuse(401, $"The token is not valid: {validation.Exception?.Message}");
        if (!token.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var issuedAt)
            || token.ValidTo - DateTimeOffset.FromUnixTimeSeconds(issuedAt).UtcDateTime > FederationToken.MaxLifetime)
            return Refuse(401, "The token must carry iat and expire at most 5 minutes after it.");
        if (!token.TryGetPayloadValue<string>(FederationToken.BodyHashClaim, out var bodyHash) || bodyHash != FederationToken.BodyHash(body.Span))
            return Refuse(401, "The token's body_sha256 does not match the request body.");
        if (string.IsNullOrEmpty(token.Id) || !await replay.TryRememberAsync(fromDomain, token.Id, token.ValidTo, ct))
            return Refuse(401, "The token has no jti or was used before.");
        return (new AuthenticatedSender(fromDomain, audience, token.Kid, senderKeys.Endpoint), null);
    }

    private bool ValidLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } exp && exp + ClockSkew > now && (notBefore is not { } nbf || nbf - ClockSkew <= now);
    }

    private static (AuthenticatedSender?, FederationRefusal?) Refuse(int status, string detail) => (null, new FederationRefusal(status, detail));
}
