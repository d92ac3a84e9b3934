using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RestMail.Api.Auth;
using RestMail.Storage.Accounts;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Api;

public sealed class AuthTests(ApiServer server) : IClassFixture<ApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_grants_access_to_me_and_carries_the_account()
    {
        var account = await server.CreateAccountAsync();
        var token = await server.SignInAsync(account.Address.ToUpperInvariant());

        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
        Assert.Equal(900, token.GetProperty("expires_in").GetInt32());
        Assert.False(string.IsNullOrEmpty(token.GetProperty("refresh_token").GetString()));
        using var client = server.CreateClient(token.GetProperty("access_token").GetString());
        var me = await client.GetFromJsonAsync<JsonElement>("/v1/me", Ct);
        Assert.Equal(account.Id, me.GetProperty("id").GetInt64());
        Assert.Equal(account.Address, me.GetProperty("address").GetString());
        Assert.False(me.TryGetProperty("password_hash", out _));
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_get_the_same_401()
    {
        var account = await server.CreateAccountAsync();
        using var client = server.CreateClient();

        using var wrong = await client.PostAsJsonAsync("/v1/auth/token", new { username = account.Address, password = "not the password" }, Ct);
        using var unknown = await client.PostAsJsonAsync("/v1/auth/token", new { username = "nobody@" + ApiServer.UniqueDomain(), password = "not the password" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        var wrongBody = await wrong.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var unknownBody = await unknown.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(wrongBody.GetProperty("detail").GetString(), unknownBody.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Missing_credentials_are_a_validation_error()
    {
        using var client = server.CreateClient();
        using var response = await client.PostAsJsonAsync("/v1/auth/token", new { username = "someone@example.com" }, Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Refresh_token_rotates_and_works_only_once()
    {
        var account = await server.CreateAccountAsync();
        var first = await server.SignInAsync(account.Address);
        var refresh = first.GetProperty("refresh_token").GetString();
        using var client = server.CreateClient();

        using var rotated = await client.PostAsJsonAsync("/v1/auth/token", new { grant_type = "refresh_token", refresh_token = refresh }, Ct);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = await rotated.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var secondRefresh = second.GetProperty("refresh_token").GetString();
        Assert.NotEqual(refresh, secondRefresh);

        using var reused = await client.PostAsJsonAsync("/v1/auth/refresh", new { refresh_token = refresh }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);

        using var viaRefreshRoute = await client.PostAsJsonAsync("/v1/auth/refresh", new { refresh_token = secondRefresh }, Ct);
        Assert.Equal(HttpStatusCode.OK, viaRefreshRoute.StatusCode);
        var third = await viaRefreshRoute.Content.ReadFromJsonAsync<JsonElement>(Ct);
        using var authed = server.CreateClient(third.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await authed.GetAsync("/v1/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task Expired_refresh_token_is_refused()
    {
        var account = await server.CreateAccountAsync();
        var token = await server.SignInAsync(account.Address);
        await using (var expire = server.DataSource.CreateCommand("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE account_id = $1"))
        {
            expire.Parameters.AddWithValue(account.Id);
            Assert.Equal(1, await expire.ExecuteNonQueryAsync(Ct));
        }
        using var client = server.CreateClient();

        using var response = await client.PostAsJsonAsync("/v1/auth/refresh", new { refresh_token = token.GetProperty("refresh_token").GetString() }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Refresh_tokens_are_stored_hashed()
    {
        var account = await server.CreateAccountAsync();
        var token = await server.SignInAsync(account.Address);
        var clear = token.GetProperty("refresh_token").GetString()!;

        await using var command = server.DataSource.CreateCommand("SELECT token_hash FROM refresh_tokens WHERE account_id = $1");
        command.Parameters.AddWithValue(account.Id);
        var stored = (byte[])(await command.ExecuteScalarAsync(Ct))!;

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(clear)), stored);
    }

    [Fact]
    public async Task Expired_and_forged_access_tokens_get_401_while_a_valid_one_passes()
    {
        var account = await server.CreateAccountAsync();
        var serverKey = await ReadServerKeyAsync();
        var otherKey = new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var now = DateTime.UtcNow;

        var valid = Sign(account, serverKey, now, now.AddMinutes(5));
        var expired = Sign(account, serverKey, now.AddHours(-2), now.AddHours(-1));
        var forged = Sign(account, otherKey, now, now.AddMinutes(5));

        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(valid));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(expired));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(forged));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync("not-a-jwt"));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(null));
    }

    [Fact]
    public async Task Signing_key_is_created_once_and_shared()
    {
        // The server creates its key on first use; make sure that happened, whatever ran before this test.
        var first = await ReadServerKeyAsync();
        var settings = new ServerSettings(server.DataSource);
        var stored = await settings.GetOrCreateAsync(SigningKeyProvider.SettingKey, () => "ignored: a key exists", Ct);

        Assert.Equal(32, Convert.FromBase64String(stored).Length);
        Assert.Equal(stored, Convert.ToBase64String(first.Key));
        Assert.Equal(stored, Convert.ToBase64String((await ReadServerKeyAsync()).Key));
    }

    [Fact]
    public async Task Non_admin_gets_403_on_admin_routes_and_admin_gets_through()
    {
        var (_, user) = await server.CreateSignedInAsync();
        var (_, admin) = await server.CreateSignedInAsync(admin: true);
        using (user)
        using (admin)
        {
            using var forbidden = await user.GetAsync("/v1/admin/domains", Ct);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/admin/domains", Ct)).StatusCode);
        }
    }

    private async Task<HttpStatusCode> MeStatusAsync(string? token)
    {
        using var client = server.CreateClient(token);
        using var response = await client.GetAsync("/v1/me", Ct);
        return response.StatusCode;
    }

    private async Task<SymmetricSecurityKey> ReadServerKeyAsync() =>
        await new SigningKeyProvider(new ServerSettings(server.DataSource)).GetAsync(Ct);

    private static string Sign(AccountRecord account, SecurityKey key, DateTime issued, DateTime expires) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenIssuer.Issuer,
            Audience = TokenIssuer.Audience,
            IssuedAt = issued,
            NotBefore = issued,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["email"] = account.Address },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
}
