using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Auth;

/// <summary>Issues access tokens (JWT, HS256, 15 minutes) and refresh tokens (opaque, rotated on use).</summary>
public sealed class TokenIssuer(SigningKeyProvider keys, RefreshTokenStore refreshTokens, TimeProvider time)
{
    public const string Issuer = "restmail";
    public const string Audience = "restmail";
    public const string AdminRole = "admin";
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(15);

    private static readonly JsonWebTokenHandler Handler = new();

    public async Task<TokenResponse> IssueAsync(AccountCredentials account, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(account);
        var key = await keys.GetAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [JwtRegisteredClaimNames.Email] = account.Address,
        };
        if (account.IsAdmin)
            claims["role"] = AdminRole;
        var access = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + AccessTokenLifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        var refresh = await refreshTokens.IssueAsync(account.Id, ct);
        return new TokenResponse(access, refresh, (int)AccessTokenLifetime.TotalSeconds, "Bearer");
    }
}
