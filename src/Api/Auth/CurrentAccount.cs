using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace RestMail.Api.Auth;

public static class CurrentAccount
{
    /// <summary>The signed-in account's id, from the token's sub claim.</summary>
    public static long AccountId(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var sub = user.FindFirstValue(JwtRegisteredClaimNames.Sub);
        return long.TryParse(sub, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new InvalidOperationException("The token has no account id.");
    }
}
