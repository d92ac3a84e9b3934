using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Auth;
using RestMail.Api.Problems;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Account;

public static class MeApi
{
    public static RouteGroupBuilder MapMeEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/me", GetAsync).WithTags("Account").WithSummary("The signed-in account.");
        return v1;
    }

    internal static async Task<Results<Ok<AccountRecord>, ProblemHttpResult>> GetAsync(ClaimsPrincipal user, DirectoryStore directory, CancellationToken ct) =>
        await directory.GetAccountAsync(user.AccountId(), ct) is { } account
            ? TypedResults.Ok(account)
            : ApiProblems.NotFound("The account no longer exists.");
}
