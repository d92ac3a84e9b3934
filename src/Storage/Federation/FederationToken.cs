using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RestMail.Storage.Federation;

/// <summary>
/// The bearer token of one POST /deliver: a JWT (RFC 7519) signed with ES256 (RFC 7515, RFC 7518 §3.4)
/// by a key of the sender's domain. iss = the envelope sender's domain, aud = the recipients' domain,
/// a short exp, iat, a random jti, and <see cref="BodyHashClaim"/> binding the token to the exact body.
/// </summary>
public static class FederationToken
{
    /// <summary>base64url (no padding) of the SHA-256 of the exact request body bytes.</summary>
    public const string BodyHashClaim = "body_sha256";

    /// <summary>The longest lifetime (exp − iat) a receiver accepts.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    public static string BodyHash(ReadOnlySpan<byte> body) => Base64UrlEncoder.Encode(SHA256.HashData(body));

    public static string Create(FederationKey key, string audienceDomain, string bodyHash, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(key);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = key.Domain,
            Audience = audienceDomain,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime > MaxLifetime ? MaxLifetime : lifetime)).UtcDateTime,
            SigningCredentials = key.SigningCredentials,
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Jti] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
                [BodyHashClaim] = bodyHash,
            },
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
