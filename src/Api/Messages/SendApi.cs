using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RestMail.Api.Auth;
using RestMail.Api.Problems;
using RestMail.Grains.Delivery;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;
using RestMail.Storage.Messages;

namespace RestMail.Api.Messages;

public static class SendApi
{
    public static RouteGroupBuilder MapSendEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/messages/send", SendAsync).WithTags("Messages")
            .WithSummary("Send: application/json compose (from defaults to you; attachments base64) or a raw message/rfc822 whose To, Cc and Bcc are the recipients. At most 50 MB.")
            .Accepts<ComposeRequest>("application/json", "message/rfc822")
            .WithMetadata(new RestMailApi.RequestSizeLimitMetadata(RestMailApi.SendBodyLimit));
        return v1;
    }

    internal static async Task<Results<Ok<SendResponse>, ProblemHttpResult>> SendAsync(
        HttpContext context, ClaimsPrincipal user, DirectoryStore directory, BlobStore blobs, IGrainFactory grains,
        IConfiguration configuration, TimeProvider time, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var accountId = user.AccountId();
        if (await directory.GetAccountAsync(accountId, ct) is not { } account)
            return ApiProblems.NotFound("The account no longer exists.");
        var mediaType = context.Request.ContentType is { } contentType && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            ? parsed.MediaType.Value?.ToLowerInvariant()
            : null;

        byte[] raw;
        IReadOnlyList<string> recipients;
        string? messageIdHeader;
        string from;
        switch (mediaType)
        {
            case "application/json":
                {
                    ComposeRequest? request;
                    try
                    {
                        request = await JsonSerializer.DeserializeAsync<ComposeRequest>(context.Request.Body, json.Value.SerializerOptions, ct);
                    }
                    catch (JsonException e)
                    {
                        return ApiProblems.BadRequest($"The request body is not valid JSON for a compose request: {e.Message}");
                    }
                    if (request is null)
                        return ApiProblems.BadRequest("The request body is empty.");
                    if (request.From is null || string.IsNullOrWhiteSpace(request.From.Address))
                        request = request with { From = new ComposeAddress { Address = account.Address, Name = account.DisplayName } };
                    ComposedMessage composed;
                    try
                    {
                        composed = MessageComposer.Compose(request, Hostname(configuration), time.GetUtcNow());
                    }
                    catch (ComposeException e)
                    {
                        return ApiProblems.Invalid(e.Message);
                    }
                    (raw, recipients, messageIdHeader, from) = (composed.Raw, composed.Recipients, composed.MessageId, composed.From);
                    break;
                }
            case "message/rfc822":
                {
                    raw = await ReadBodyAsync(context.Request, ct);
                    if (raw.Length == 0)
                        return ApiProblems.Invalid("The message is empty.");
                    var headers = MessageView.Parse(raw);
                    recipients = [.. headers.To.Concat(headers.Cc).Concat(headers.Bcc).Select(a => a.Address).Distinct(StringComparer.OrdinalIgnoreCase)];
                    if (recipients.Count == 0)
                        return ApiProblems.Invalid("The message names no recipient in To, Cc or Bcc.");
                    if (headers.From?.Address is not { } fromAddress)
                        return ApiProblems.Invalid("The message has no From address.");
                    if (headers.Bcc.Count > 0)
                        raw = RawHeaders.RemoveField(raw, "Bcc");
                    // RFC 6409 §8.2, §8.3: completed on top, as SMTP submission does below its Received field.
                    var (missing, madeMessageId) = SubmissionFields.Missing(raw, Hostname(configuration), time.GetUtcNow());
                    if (missing.Length > 0)
                        raw = [.. Encoding.ASCII.GetBytes(missing), .. raw];
                    (messageIdHeader, from) = (madeMessageId ?? headers.MessageId, fromAddress);
                    break;
                }
            default:
                return TypedProblem(StatusCodes.Status415UnsupportedMediaType, "Send application/json (compose) or message/rfc822 (raw).");
        }

        if (!await MaySendAsAsync(account, from, directory, ct))
            return ApiProblems.Invalid("from", $"You may only send as {account.Address} or one of your aliases.");

        var content = await blobs.StoreAsync(raw, ct);
        var result = await grains.GetGrain<IDeliveryGrain>(0).AcceptAsync(new InboundMessage
        {
            MailFrom = account.Address,
            Recipients = recipients,
            Content = content,
            Source = MessageSource.Api,
            SenderAccountId = account.Id,
        }).WaitAsync(ct);
        return TypedResults.Ok(new SendResponse(
            result.SentCopyMessageId,
            messageIdHeader,
            result.QueueId,
            [.. result.Recipients.Select(r => new SendRecipientResponse(r.Address, r.Status))]));
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = request.ContentLength is { } length ? new MemoryStream((int)length) : new MemoryStream();
        // Kestrel stops the read with a 413 BadHttpRequestException past the endpoint's size limit.
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    private static async Task<bool> MaySendAsAsync(AccountRecord account, string from, DirectoryStore directory, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeAddress(from, out var address, out _))
            return false;
        if (address == account.Address)
            return true;
        return (await directory.ListAliasesAsync(account.Id, ct)).Any(a => a.Address == address);
    }

    private static string Hostname(IConfiguration configuration) =>
        configuration["RestMail:Hostname"] is { Length: > 0 } hostname ? hostname : Environment.MachineName;

    private static ProblemHttpResult TypedProblem(int status, string detail) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = "Unsupported media type", Detail = detail });
}
