using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace RestMail.Storage.Federation;

/// <summary>One ES256 key of a hosted domain: its key id and the P-256 key (private half when it signs).</summary>
public sealed record FederationKey(string Kid, string Domain, ECDsa Key)
{
    /// <summary>The key as JsonWebTokenHandler signs with it: ES256 (RFC 7518 §3.4) with the kid in the header.</summary>
    public SigningCredentials SigningCredentials => new(new ECDsaSecurityKey(Key) { KeyId = Kid }, SecurityAlgorithms.EcdsaSha256);

    /// <summary>The public half as a JWK (RFC 7517 §4, RFC 7518 §6.2).</summary>
    public PublishedKey ToPublished()
    {
        var p = Key.ExportParameters(includePrivateParameters: false);
        return new PublishedKey("EC", "P-256", Base64UrlEncoder.Encode(p.Q.X), Base64UrlEncoder.Encode(p.Q.Y), Kid, "ES256", "sig");
    }

    /// <summary>The RFC 7638 JWK thumbprint (SHA-256, base64url) of a P-256 public key: the kid this server gives its keys.</summary>
    public static string Thumbprint(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64UrlEncoder.Encode(p.Q.X)}\",\"y\":\"{Base64UrlEncoder.Encode(p.Q.Y)}\"}}";
        return Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(canonical)));
    }
}
