using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Auth;
using RestMail.Storage.Mail;

namespace RestMail.Api.Messages;

public static class SearchApi
{
    public static RouteGroupBuilder MapSearchEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/search", SearchAsync).WithTags("Messages")
            .WithSummary("Full-text search: words, from:, to:, subject:, body:, in:folder, has:attachment, is:unread|flagged, before:/after: dates; paged like listing.");
        return v1;
    }

    internal static async Task<Results<Ok<MessagePageResponse>, ProblemHttpResult>> SearchAsync(
        string? q, int? limit, string? cursor, string? sort, ClaimsPrincipal user, MailQueries queries, CancellationToken ct)
    {
        if (!Paging.TryParse(limit, cursor, sort, out var query, out var problem))
            return problem;
        // Bad syntax throws InvalidQueryException, which the exception handler turns into a 400.
        return TypedResults.Ok(MessagePageResponse.From(await queries.SearchAsync(user.AccountId(), q ?? "", query, ct)));
    }
}
