using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using RestMail.Api.Problems;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Auth;

public static class AuthApi
{
    private const string BadCredentials = "Invalid username or password.";

    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder v1)
    {
        var auth = v1.MapGroup("/auth").WithTags("Auth").AllowAnonymous();
        auth.MapPost("/token", IssueAsync)
            .WithSummary("Sign in with username and password, or rotate a refresh token (grant_type refresh_token).");
        auth.MapPost("/refresh", RefreshAsync)
            .WithSummary("Rotate a refresh token: the old one stops working.");
        return v1;
    }

    internal static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> IssueAsync(
        TokenRequest request, DirectoryStore directory, RefreshTokenStore refreshTokens, TokenIssuer issuer, ILogger<TokenIssuer> logger, CancellationToken ct)
    {
        switch (request.GrantType)
        {
            case null or "password":
                break;
            case "refresh_token":
                return await RefreshAsync(request, directory, refreshTokens, issuer, logger, ct);
            default:
                return ApiProblems.Invalid("grant_type", "grant_type must be \"password\" or \"refresh_token\".");
        }
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
            return ApiProblems.Invalid("username and password are required.", new Dictionary<string, string[]>
            {
                ["username"] = string.IsNullOrEmpty(request.Username) ? ["required"] : [],
                ["password"] = string.IsNullOrEmpty(request.Password) ? ["required"] : [],
            }.Where(e => e.Value.Length > 0).ToDictionary());

        var account = await directory.FindCredentialsAsync(request.Username, ct);
        // Unknown users cost one hash too, so timing does not tell which addresses exist.
        var valid = PasswordHasher.Verify(request.Password, account?.PasswordHash ?? PasswordHasher.DummyHash);
        if (account is null || !valid)
        {
            Log.SignInFailed(logger, Printable(request.Username));
            return ApiProblems.Unauthorized(BadCredentials);
        }
        return TypedResults.Ok(await issuer.IssueAsync(account, ct));
    }

    internal static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        TokenRequest request, DirectoryStore directory, RefreshTokenStore refreshTokens, TokenIssuer issuer, ILogger<TokenIssuer> logger, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
            return ApiProblems.Invalid("refresh_token", "refresh_token is required.");
        var accountId = await refreshTokens.ConsumeAsync(request.RefreshToken, ct);
        var account = accountId is { } id ? await directory.FindCredentialsAsync(id, ct) : null;
        if (account is null)
        {
            Log.RefreshRefused(logger);
            return ApiProblems.Unauthorized("The refresh token is invalid, expired or already used.");
        }
        return TypedResults.Ok(await issuer.IssueAsync(account, ct));
    }

    /// <summary>A username fit for a log line: no control characters (no forged lines), bounded length.</summary>
    private static string Printable(string username) =>
        string.Concat(username.Take(254).Select(c => char.IsControl(c) ? '?' : c));
}
