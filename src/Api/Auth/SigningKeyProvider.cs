using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Auth;

/// <summary>
/// The HS256 key that signs access tokens: 256 random bits in server_settings ('jwt_signing_key'),
/// created by whichever node starts first and read by all, so every node accepts every node's tokens.
/// </summary>
public sealed class SigningKeyProvider(ServerSettings settings)
{
    public const string SettingKey = "jwt_signing_key";

    private readonly Lock _lock = new();
    private Task<SymmetricSecurityKey>? _key;

    /// <summary>The key once loaded; <see cref="GetAsync"/> must have completed before.</summary>
    public SymmetricSecurityKey Current =>
        _key is { IsCompletedSuccessfully: true } loaded ? loaded.Result : throw new InvalidOperationException("The signing key is not loaded yet.");

    public Task<SymmetricSecurityKey> GetAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            // A failed load (database briefly down) is retried on the next request.
            if (_key is null || _key.IsFaulted || _key.IsCanceled)
                _key = LoadAsync(ct);
            return _key;
        }
    }

    private async Task<SymmetricSecurityKey> LoadAsync(CancellationToken ct)
    {
        var value = await settings.GetOrCreateAsync(SettingKey, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
        return new SymmetricSecurityKey(Convert.FromBase64String(value)) { KeyId = "restmail-hs256" };
    }
}
