using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Problems;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Admin;

public static class AdminAliasesApi
{
    public static RouteGroupBuilder MapAdminAliasesEndpoints(this RouteGroupBuilder admin)
    {
        var aliases = admin.MapGroup("/aliases").WithTags("Admin: aliases");
        aliases.MapGet("/", ListAsync).WithSummary("List aliases, optionally of one ?account_id=.");
        aliases.MapPost("/", CreateAsync).WithSummary("Create an alias in a hosted domain for an account (by account_id or target address).");
        aliases.MapGet("/{id:long}", GetAsync);
        aliases.MapPatch("/{id:long}", UpdateAsync);
        aliases.MapDelete("/{id:long}", DeleteAsync);
        return admin;
    }

    internal static async Task<Ok<IReadOnlyList<AliasRecord>>> ListAsync(
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "account_id")] long? accountId, DirectoryStore directory, CancellationToken ct) =>
        TypedResults.Ok(await directory.ListAliasesAsync(accountId, ct));

    internal static async Task<Results<Created<AliasRecord>, ProblemHttpResult>> CreateAsync(
        CreateAliasRequest request, DirectoryStore directory, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Address))
            return ApiProblems.Invalid("address", "address is required.");
        var (accountId, problem) = await ResolveTargetAsync(request.AccountId, request.Target, directory, ct);
        if (problem is not null)
            return problem;
        var result = await directory.CreateAliasAsync(request.Address, accountId, ct);
        return result.IsOk
            ? TypedResults.Created($"/v1/admin/aliases/{result.Value!.Id}", result.Value)
            : ApiProblems.From(result);
    }

    internal static async Task<Results<Ok<AliasRecord>, ProblemHttpResult>> GetAsync(long id, DirectoryStore directory, CancellationToken ct) =>
        await directory.GetAliasAsync(id, ct) is { } alias ? TypedResults.Ok(alias) : ApiProblems.NotFound($"No alias {id}.");

    internal static async Task<Results<Ok<AliasRecord>, ProblemHttpResult>> UpdateAsync(
        long id, UpdateAliasRequest request, DirectoryStore directory, CancellationToken ct)
    {
        var (accountId, problem) = await ResolveTargetAsync(request.AccountId, request.Target, directory, ct);
        if (problem is not null)
            return problem;
        var result = await directory.RetargetAliasAsync(id, accountId, ct);
        return result.IsOk ? TypedResults.Ok(result.Value!) : ApiProblems.From(result);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, DirectoryStore directory, CancellationToken ct) =>
        await directory.DeleteAliasAsync(id, ct) ? TypedResults.NoContent() : ApiProblems.NotFound($"No alias {id}.");

    private static async Task<(long AccountId, ProblemHttpResult? Problem)> ResolveTargetAsync(
        long? accountId, string? target, DirectoryStore directory, CancellationToken ct)
    {
        if (accountId is { } id)
            return (id, null);
        if (string.IsNullOrWhiteSpace(target))
            return (0, ApiProblems.Invalid("account_id", "account_id or target is required."));
        return await directory.GetAccountAsync(target, ct) is { } account
            ? (account.Id, null)
            : (0, ApiProblems.Invalid("target", $"No account '{target}'."));
    }
}
