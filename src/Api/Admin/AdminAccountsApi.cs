using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Auth;
using RestMail.Api.Problems;
using RestMail.Grains.Domains;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Admin;

public static class AdminAccountsApi
{
    public static RouteGroupBuilder MapAdminAccountsEndpoints(this RouteGroupBuilder admin)
    {
        var accounts = admin.MapGroup("/accounts").WithTags("Admin: accounts");
        accounts.MapGet("/", ListAsync).WithSummary("List accounts, optionally of one ?domain=.");
        accounts.MapPost("/", CreateAsync).WithSummary("Create an account with its six default folders.");
        accounts.MapGet("/{id:long}", GetAsync);
        accounts.MapPatch("/{id:long}", UpdateAsync).WithSummary("Change password, quota, display name or admin role.");
        accounts.MapDelete("/{id:long}", DeleteAsync).WithSummary("Delete an account with all its mail.");
        return admin;
    }

    internal static async Task<Ok<IReadOnlyList<AccountRecord>>> ListAsync(string? domain, DirectoryStore directory, CancellationToken ct) =>
        TypedResults.Ok(await directory.ListAccountsAsync(domain, ct));

    internal static async Task<Results<Created<AccountRecord>, ProblemHttpResult>> CreateAsync(
        CreateAccountRequest request, DirectoryStore directory, IGrainFactory grains, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Address))
            errors["address"] = ["address is required."];
        if (DirectoryStore.PasswordProblem(request.Password) is { } problem)
            errors["password"] = [problem];
        if (request.QuotaBytes < 0)
            errors["quota_bytes"] = ["quota_bytes must not be negative."];
        if (errors.Count > 0)
            return ApiProblems.Invalid("The account is not valid.", errors);
        var quota = request.QuotaBytes;
        // No quota given: the domain's default for new accounts (null there too means unlimited).
        if (quota is null && MailAddresses.TryNormalizeAddress(request.Address, out _, out var domain))
            quota = (await grains.GetGrain<IDomainGrain>(domain).GetSettingsAsync().WaitAsync(ct)).DefaultAccountQuotaBytes;
        var result = await directory.CreateAccountAsync(
            new NewAccount(request.Address!, request.Password!, request.DisplayName, quota, request.IsAdmin), ct);
        return result.IsOk
            ? TypedResults.Created($"/v1/admin/accounts/{result.Value!.Id}", result.Value)
            : ApiProblems.From(result);
    }

    internal static async Task<Results<Ok<AccountRecord>, ProblemHttpResult>> GetAsync(long id, DirectoryStore directory, CancellationToken ct) =>
        await directory.GetAccountAsync(id, ct) is { } account ? TypedResults.Ok(account) : ApiProblems.NotFound($"No account {id}.");

    internal static async Task<Results<Ok<AccountRecord>, ProblemHttpResult>> UpdateAsync(
        long id, UpdateAccountRequest request, ClaimsPrincipal user, DirectoryStore directory, RefreshTokenStore refreshTokens, CancellationToken ct)
    {
        if (request.IsAdmin == false && id == user.AccountId())
            return ApiProblems.Conflict("You cannot remove your own administrator role.");
        var errors = new Dictionary<string, string[]>();
        long? quota = null;
        string? displayName = null;
        if (request.Password is not null && DirectoryStore.PasswordProblem(request.Password) is { } problem)
            errors["password"] = [problem];
        if (request.QuotaBytes.IsPresent() && !request.QuotaBytes.TryGetQuota(out quota, out var quotaError))
            errors["quota_bytes"] = [quotaError!];
        if (request.DisplayName.IsPresent() && !request.DisplayName.TryGetString(out displayName, out var nameError))
            errors["display_name"] = [nameError!];
        if (errors.Count > 0)
            return ApiProblems.Invalid("The update is not valid.", errors);
        var result = await directory.UpdateAccountAsync(id, new AccountUpdate
        {
            Password = request.Password,
            SetQuota = request.QuotaBytes.IsPresent(),
            QuotaBytes = quota,
            SetDisplayName = request.DisplayName.IsPresent(),
            DisplayName = displayName,
            IsAdmin = request.IsAdmin,
        }, ct);
        if (!result.IsOk)
            return ApiProblems.From(result);
        // A new password signs the account out of every refresh token (access tokens expire in minutes).
        if (request.Password is not null)
            await refreshTokens.RevokeAllAsync(id, ct);
        return TypedResults.Ok(result.Value!);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, ClaimsPrincipal user, DirectoryStore directory, CancellationToken ct)
    {
        // An administrator cannot lock themselves out (nor the server out of its last administrator this way).
        if (id == user.AccountId())
            return ApiProblems.Conflict("You cannot delete your own account.");
        return await directory.DeleteAccountAsync(id, ct) ? TypedResults.NoContent() : ApiProblems.NotFound($"No account {id}.");
    }
}
