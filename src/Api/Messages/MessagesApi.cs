using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Auth;
using RestMail.Api.Problems;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;
using RestMail.Storage.Messages;

namespace RestMail.Api.Messages;

public static class MessagesApi
{
    public static RouteGroupBuilder MapMessagesEndpoints(this RouteGroupBuilder v1)
    {
        var messages = v1.MapGroup("/messages").WithTags("Messages");
        messages.MapGet("/{id:long}", GetAsync);
        messages.MapPatch("/{id:long}", UpdateAsync).WithSummary("Add or remove flags and keywords; folder_id moves the message.");
        messages.MapDelete("/{id:long}", DeleteAsync).WithSummary("Move to Trash; expunge if already in Trash or ?permanent=true.");
        messages.MapGet("/{id:long}/raw", GetRawAsync).WithSummary("The message exactly as received (message/rfc822).");
        messages.MapGet("/{id:long}/attachments/{index:int}", GetAttachmentAsync).WithSummary("One attachment, decoded, as a download.");
        messages.MapPost("/{id:long}/copy", CopyAsync).WithSummary("Copy into folder_id; returns the new message.");
        messages.MapPost("/bulk", BulkAsync).WithSummary("flag, unflag, move, copy or delete up to 1000 messages at once.");
        return v1;
    }

    internal static async Task<Results<Ok<MessageDetailResponse>, ProblemHttpResult>> GetAsync(long id, ClaimsPrincipal user, MailQueries queries, CancellationToken ct)
    {
        var accountId = user.AccountId();
        if (await queries.GetMessageAsync(accountId, id, ct) is not { } message || await queries.GetRawAsync(accountId, id, ct) is not { } raw)
            return NotFound(id);
        return TypedResults.Ok(new MessageDetailResponse(MessageResponse.Of(message), MessageView.Parse(raw)));
    }

    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAttachmentAsync(
        long id, int index, HttpContext context, ClaimsPrincipal user, MailQueries queries, CancellationToken ct)
    {
        if (await queries.GetRawAsync(user.AccountId(), id, ct) is not { } raw)
            return NotFound(id);
        if (MessageView.GetAttachment(raw, index) is not { } attachment)
            return ApiProblems.NotFound($"Message {id} has no attachment {index}.");
        // Always a download, never rendered from the API's origin (an HTML or SVG attachment could script it).
        context.Response.Headers.ContentSecurityPolicy = "sandbox";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(attachment.Content, attachment.ContentType, attachment.FileName ?? $"attachment-{index}");
    }

    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetRawAsync(long id, ClaimsPrincipal user, MailQueries queries, CancellationToken ct) =>
        await queries.GetRawAsync(user.AccountId(), id, ct) is { } raw
            ? TypedResults.Bytes(raw, "message/rfc822")
            : NotFound(id);

    internal static async Task<Results<Ok<MessageDetailResponse>, ProblemHttpResult>> UpdateAsync(
        long id, UpdateMessageRequest request, ClaimsPrincipal user, IGrainFactory grains, MailQueries queries, CancellationToken ct)
    {
        if (!MessageFlagNames.TryParse(request.AddFlags, out var add, out var unknown) || !MessageFlagNames.TryParse(request.RemoveFlags, out var remove, out unknown))
            return ApiProblems.Invalid("flags", $"Unknown flag '{unknown}': use seen, answered, flagged, deleted or draft.");
        if ((Keywords.Problem(request.AddKeywords) ?? Keywords.Problem(request.RemoveKeywords)) is { } keywordProblem)
            return ApiProblems.Invalid("keywords", keywordProblem);
        var accountId = user.AccountId();
        // Check the target before changing anything, so a bad folder_id leaves the flags alone too.
        if (request.FolderId is { } target && await queries.GetFolderAsync(accountId, target, ct) is null)
            return ApiProblems.Invalid("folder_id", "No such folder.");
        var actions = new MessageActions(grains, queries, accountId);
        if (add != MessageFlags.None || remove != MessageFlags.None || request.AddKeywords is { Count: > 0 } || request.RemoveKeywords is { Count: > 0 })
        {
            var flagged = await actions.SetFlagsAsync([id], add, remove, request.AddKeywords ?? [], request.RemoveKeywords ?? [], ct);
            if (flagged.NotFound.Contains(id))
                return NotFound(id);
        }
        if (request.FolderId is { } folderId)
        {
            var moved = await actions.MoveAsync([id], folderId, ct);
            if (MessageActions.Problem(moved) is { } problem)
                return problem;
            if (moved.NotFound.Contains(id))
                return NotFound(id);
        }
        return await GetAsync(id, user, queries, ct);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        long id, bool? permanent, ClaimsPrincipal user, IGrainFactory grains, MailQueries queries, CancellationToken ct)
    {
        var result = await new MessageActions(grains, queries, user.AccountId()).DeleteAsync([id], permanent ?? false, ct);
        return result.NotFound.Contains(id) ? NotFound(id) : TypedResults.NoContent();
    }

    internal static async Task<Results<Created<MessageResponse>, ProblemHttpResult>> CopyAsync(
        long id, CopyMessageRequest request, ClaimsPrincipal user, IGrainFactory grains, MailQueries queries, CancellationToken ct)
    {
        if (request.FolderId is not { } folderId)
            return ApiProblems.Invalid("folder_id", "folder_id is required.");
        var accountId = user.AccountId();
        var result = await new MessageActions(grains, queries, accountId).CopyAsync([id], folderId, ct);
        if (MessageActions.Problem(result) is { } problem)
            return problem;
        if (result.NotFound.Contains(id) || result.Changed.Count == 0)
            return NotFound(id);
        var copy = await queries.GetMessageAsync(accountId, result.Changed[0].MessageId, ct);
        return copy is null ? NotFound(result.Changed[0].MessageId) : TypedResults.Created($"/v1/messages/{copy.Id}", MessageResponse.Of(copy));
    }

    internal static async Task<Results<Ok<BulkResponse>, ProblemHttpResult>> BulkAsync(
        BulkRequest request, ClaimsPrincipal user, IGrainFactory grains, MailQueries queries, CancellationToken ct)
    {
        if (request.Ids is not { Count: > 0 } ids)
            return ApiProblems.Invalid("ids", "ids must list at least one message id.");
        if (ids.Count > MessageActions.MaxBulkIds)
            return ApiProblems.Invalid("ids", $"At most {MessageActions.MaxBulkIds} ids per request.");
        if (request.Action is not { } action)
            return ApiProblems.Invalid("action", "action is required: flag, unflag, move, copy or delete.");
        var actions = new MessageActions(grains, queries, user.AccountId());
        BulkResult result;
        switch (action)
        {
            case BulkAction.Flag or BulkAction.Unflag:
                if (!MessageFlagNames.TryParse(request.Flags, out var flags, out var unknown))
                    return ApiProblems.Invalid("flags", $"Unknown flag '{unknown}': use seen, answered, flagged, deleted or draft.");
                if (Keywords.Problem(request.Keywords) is { } keywordProblem)
                    return ApiProblems.Invalid("keywords", keywordProblem);
                if (flags == MessageFlags.None && request.Keywords is not { Count: > 0 })
                    return ApiProblems.Invalid("flags", "flag and unflag need flags or keywords.");
                var keywords = request.Keywords ?? [];
                result = action == BulkAction.Flag
                    ? await actions.SetFlagsAsync(ids, flags, MessageFlags.None, keywords, [], ct)
                    : await actions.SetFlagsAsync(ids, MessageFlags.None, flags, [], keywords, ct);
                break;
            case BulkAction.Move or BulkAction.Copy:
                if (request.FolderId is not { } folderId)
                    return ApiProblems.Invalid("folder_id", "folder_id is required for move and copy.");
                result = action == BulkAction.Move ? await actions.MoveAsync(ids, folderId, ct) : await actions.CopyAsync(ids, folderId, ct);
                if (MessageActions.Problem(result) is { } problem)
                    return problem;
                break;
            default:
                result = await actions.DeleteAsync(ids, request.Permanent, ct);
                break;
        }
        return TypedResults.Ok(new BulkResponse([.. result.Changed.Select(c => c.MessageId)], result.NotFound));
    }

    private static ProblemHttpResult NotFound(long id) => ApiProblems.NotFound($"No message {id}.");
}
