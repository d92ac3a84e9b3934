using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Auth;
using RestMail.Api.Messages;
using RestMail.Api.Problems;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Api.Folders;

public static class FoldersApi
{
    public static RouteGroupBuilder MapFoldersEndpoints(this RouteGroupBuilder v1)
    {
        var folders = v1.MapGroup("/folders").WithTags("Folders");
        folders.MapGet("/", ListAsync).WithSummary("Every folder with total, unread and size.");
        folders.MapPost("/", CreateAsync);
        folders.MapGet("/{id:long}", GetAsync);
        folders.MapPatch("/{id:long}", RenameAsync).WithSummary("Rename a folder.");
        folders.MapDelete("/{id:long}", DeleteAsync).WithSummary("Delete a folder and every message in it (special-use folders are protected).");
        folders.MapGet("/{id:long}/messages", ListMessagesAsync)
            .WithSummary("A page of messages: ?limit= (1-500, default 50), ?cursor= from next_cursor, ?sort=date_desc|date_asc|size_desc|size_asc.");
        return v1;
    }

    internal static async Task<Ok<IEnumerable<FolderResponse>>> ListAsync(ClaimsPrincipal user, MailQueries queries, CancellationToken ct) =>
        TypedResults.Ok((await queries.ListFoldersAsync(user.AccountId(), ct)).Select(FolderResponse.From));

    internal static async Task<Results<Ok<FolderResponse>, ProblemHttpResult>> GetAsync(long id, ClaimsPrincipal user, MailQueries queries, CancellationToken ct) =>
        await queries.GetFolderAsync(user.AccountId(), id, ct) is { } folder
            ? TypedResults.Ok(FolderResponse.From(folder))
            : ApiProblems.NotFound($"No folder {id}.");

    internal static async Task<Results<Created<FolderResponse>, ProblemHttpResult>> CreateAsync(
        CreateFolderRequest request, ClaimsPrincipal user, IGrainFactory grains, MailQueries queries, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
            return ApiProblems.Invalid("name", "name is required.");
        var role = FolderRole.None;
        if (request.Role is not null && (!Enum.TryParse(request.Role, ignoreCase: true, out role) || role is FolderRole.None or FolderRole.Inbox || !Enum.IsDefined(role)))
            return ApiProblems.Invalid("role", "role must be sent, drafts, trash, junk, archive or null.");
        var accountId = user.AccountId();
        var result = await grains.GetGrain<IMailboxGrain>(accountId).CreateFolderAsync(request.Name, role).WaitAsync(ct);
        if (result.Status != FolderStatus.Ok)
            return FolderProblem(result.Status, request.Name);
        var folder = await queries.GetFolderAsync(accountId, result.FolderId, ct);
        return folder is null
            ? ApiProblems.NotFound($"Folder {result.FolderId} was deleted meanwhile.")
            : TypedResults.Created($"/v1/folders/{folder.Id}", FolderResponse.From(folder));
    }

    internal static async Task<Results<Ok<FolderResponse>, ProblemHttpResult>> RenameAsync(
        long id, RenameFolderRequest request, ClaimsPrincipal user, IGrainFactory grains, MailQueries queries, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
            return ApiProblems.Invalid("name", "name is required.");
        var accountId = user.AccountId();
        var result = await grains.GetGrain<IMailboxGrain>(accountId).RenameFolderAsync(id, request.Name).WaitAsync(ct);
        if (result.Status != FolderStatus.Ok)
            return FolderProblem(result.Status, request.Name, id);
        return await queries.GetFolderAsync(accountId, id, ct) is { } folder
            ? TypedResults.Ok(FolderResponse.From(folder))
            : ApiProblems.NotFound($"No folder {id}.");
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, ClaimsPrincipal user, IGrainFactory grains, CancellationToken ct)
    {
        var result = await grains.GetGrain<IMailboxGrain>(user.AccountId()).DeleteFolderAsync(id).WaitAsync(ct);
        return result.Status == FolderStatus.Ok ? TypedResults.NoContent() : FolderProblem(result.Status, null, id);
    }

    internal static async Task<Results<Ok<MessagePageResponse>, ProblemHttpResult>> ListMessagesAsync(
        long id, int? limit, string? cursor, string? sort, ClaimsPrincipal user, MailQueries queries, CancellationToken ct)
    {
        if (!Paging.TryParse(limit, cursor, sort, out var query, out var problem))
            return problem;
        var accountId = user.AccountId();
        if (await queries.GetFolderAsync(accountId, id, ct) is null)
            return ApiProblems.NotFound($"No folder {id}.");
        return TypedResults.Ok(MessagePageResponse.From(await queries.ListMessagesAsync(accountId, id, query, ct)));
    }

    private static ProblemHttpResult FolderProblem(FolderStatus status, string? name, long? id = null) => status switch
    {
        FolderStatus.NotFound => ApiProblems.NotFound($"No folder {id}."),
        FolderStatus.NameTaken => ApiProblems.Conflict($"A folder named '{name}' already exists."),
        FolderStatus.RoleTaken => ApiProblems.Conflict("Another folder already has that role."),
        FolderStatus.InvalidName => ApiProblems.Invalid("name", $"'{name}' is not a valid folder name."),
        FolderStatus.Protected => ApiProblems.Conflict($"Folder {id} is a special-use folder and cannot be changed that way."),
        _ => ApiProblems.Conflict($"The folder operation failed: {status}."),
    };
}
