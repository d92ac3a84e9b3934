using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Auth;
using RestMail.Api.Problems;
using RestMail.Storage.Mail;

namespace RestMail.Api.Sync;

public static class ChangesApi
{
    public const int MaxLimit = 1000;

    public static RouteGroupBuilder MapChangesEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/changes", GetAsync).WithTags("Sync").WithSummary("Delta sync: changes with modseq greater than ?since= (default 0), up to ?limit= (1-1000).");
        return v1;
    }

    internal static async Task<Results<Ok<ChangesResponse>, ProblemHttpResult>> GetAsync(
        long? since, int? limit, ClaimsPrincipal user, MailQueries queries, CancellationToken ct)
    {
        if (since < 0)
            return ApiProblems.BadRequest("since must not be negative.");
        if (limit is < 1 or > MaxLimit)
            return ApiProblems.BadRequest($"limit must be between 1 and {MaxLimit}.");
        var take = limit ?? MaxLimit;
        var feed = await queries.GetChangesAsync(user.AccountId(), since ?? 0, take, ct);
        var changes = feed.Changes.Select(ChangeResponse.From).ToList();
        var hasMore = changes.Count == take && changes[^1].Modseq < feed.HighestModSeq;
        return TypedResults.Ok(new ChangesResponse(changes, feed.HighestModSeq, hasMore, feed.ResyncRequired));
    }
}
