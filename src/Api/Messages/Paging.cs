using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;
using RestMail.Api.Problems;
using RestMail.Storage.Mail;

namespace RestMail.Api.Messages;

/// <summary>The ?limit=&amp;cursor=&amp;sort= parameters shared by listing and search.</summary>
internal static class Paging
{
    public const int MaxLimit = 500;

    public static bool TryParse(int? limit, string? cursor, string? sort, out MessageListQuery query, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        query = new MessageListQuery();
        problem = null;
        if (limit is < 1 or > MaxLimit)
        {
            problem = ApiProblems.BadRequest($"limit must be between 1 and {MaxLimit}.");
            return false;
        }
        MessageSort? parsed = sort?.ToLowerInvariant() switch
        {
            null or "" or "date_desc" or "-date" => MessageSort.DateDesc,
            "date_asc" or "date" => MessageSort.DateAsc,
            "size_desc" or "-size" => MessageSort.SizeDesc,
            "size_asc" or "size" => MessageSort.SizeAsc,
            _ => null,
        };
        if (parsed is null)
        {
            problem = ApiProblems.BadRequest("sort must be date_desc, date_asc, size_desc or size_asc.");
            return false;
        }
        query = new MessageListQuery(limit ?? 50, string.IsNullOrEmpty(cursor) ? null : cursor, parsed.Value);
        return true;
    }
}
