using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Auth;
using RestMail.Api.Problems;
using RestMail.Storage.Accounts;
using RestMail.Storage.Mail;

namespace RestMail.Api.Account;

public static class AccountApi
{
    public static RouteGroupBuilder MapAccountEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/me", GetMeAsync).WithTags("Account").WithSummary("The signed-in account.");
        v1.MapGet("/quota", GetQuotaAsync).WithTags("Account")
            .WithSummary("Usage against the account and domain quotas; logical_bytes vs stored_bytes shows the deduplication saving.");
        return v1;
    }

    internal static async Task<Results<Ok<AccountRecord>, ProblemHttpResult>> GetMeAsync(ClaimsPrincipal user, DirectoryStore directory, CancellationToken ct) =>
        await directory.GetAccountAsync(user.AccountId(), ct) is { } account
            ? TypedResults.Ok(account)
            : ApiProblems.NotFound("The account no longer exists.");

    internal static async Task<Results<Ok<QuotaUsage>, ProblemHttpResult>> GetQuotaAsync(ClaimsPrincipal user, MailQueries queries, CancellationToken ct) =>
        await queries.GetQuotaAsync(user.AccountId(), ct) is { } quota
            ? TypedResults.Ok(quota)
            : ApiProblems.NotFound("The account no longer exists.");
}
