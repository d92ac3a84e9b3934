using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using RestMail.Api.Problems;
using RestMail.Storage.Accounts;
using RestMail.Storage.Federation;

namespace RestMail.Api.Federation;

/// <summary>
/// The receiving side of REST Mail federation (docs/federation.md): POST /v1/deliver, authenticated by
/// its own bearer token rather than the API's sign-in, and the public key sets of hosted domains.
/// </summary>
public static class FederationApi
{
    /// <summary>RestMail:Smtp:MaxMessageSize's default: federation accepts what SMTP accepts.</summary>
    private const long DefaultMaxMessageSize = 25L * 1024 * 1024;

    /// <summary>Most recipients per request, as SMTP's RestMail:Smtp:MaxRecipients default.</summary>
    private const int MaxRecipients = 100;

    public static RouteGroupBuilder MapFederationEndpoints(this RouteGroupBuilder v1, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var maxMessage = configuration.GetValue<long?>("RestMail:Smtp:MaxMessageSize") ?? DefaultMaxMessageSize;
        // base64 grows the message by 4/3, and body_text/body_html may repeat it once more.
        var bodyLimit = maxMessage * 3 + 1024 * 1024;

        v1.MapPost("/deliver", (HttpContext context, FederationAuthenticator authenticator, FederationReceiver receiver, CancellationToken ct)
                => DeliverAsync(context, authenticator, receiver, maxMessage, ct))
            .AllowAnonymous().WithTags("Federation")
            .WithSummary("Delivery from another REST Mail server: JSON with the raw message, bearer JWT (ES256) of the sender's domain. See docs/federation.md.")
            .Accepts<FederationDelivery>("application/json")
            .WithMetadata(new RestMailApi.RequestSizeLimitMetadata(bodyLimit));
        v1.MapGet("/federation/keys/{domain}", GetKeysAsync)
            .AllowAnonymous().WithTags("Federation")
            .WithSummary("The JWK Set (RFC 7517) whose keys sign this domain's federation deliveries.");
        return v1;
    }

    internal static async Task<Results<Ok<FederationDeliveryResponse>, ProblemHttpResult>> DeliverAsync(
        HttpContext context, FederationAuthenticator authenticator, FederationReceiver receiver, long maxMessage, CancellationToken ct)
    {
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await context.Request.Body.CopyToAsync(buffer, ct);
            body = buffer.ToArray();
        }
        FederationDelivery? request;
        try
        {
            request = JsonSerializer.Deserialize<FederationDelivery>(body);
        }
        catch (JsonException e)
        {
            return ApiProblems.BadRequest($"The body is not a delivery request: {e.Message}");
        }
        if (request is null || request.To.Count == 0 || request.To.Count > MaxRecipients || request.IdempotencyKey.Length is 0 or > 200)
            return ApiProblems.BadRequest($"A delivery names 1 to {MaxRecipients} recipients and an idempotency_key of 1 to 200 characters.");

        var (sender, refusal) = await authenticator.AuthenticateAsync(context.Request.Headers.Authorization, body, request, ct);
        if (sender is null)
            return Refused(refusal!);

        var raw = new byte[request.Raw.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(request.Raw, raw, out var length))
            return ApiProblems.BadRequest("raw is not base64.");
        if (length > maxMessage)
            return ApiProblems.TooLarge($"The message is {length} bytes; this server accepts at most {maxMessage}.");
        Array.Resize(ref raw, length);
        return TypedResults.Ok(await receiver.DeliverAsync(sender, request, raw, context.Connection.RemoteIpAddress?.ToString(), context.Request.Protocol, ct));
    }

    internal static async Task<Results<Ok<PublishedKeySet>, ProblemHttpResult>> GetKeysAsync(
        string domain, HttpContext context, DirectoryStore directory, FederationKeyStore keys, CancellationToken ct)
    {
        if (await directory.GetDomainAsync(domain, ct) is null)
            return ApiProblems.NotFound($"No domain '{domain}' here.");
        var published = await keys.GetPublishedAsync(domain, ct);
        // Short enough that a rotation reaches receivers well before the new key signs.
        context.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Ok(new PublishedKeySet([.. published.Select(k => k.ToPublished())]));
    }

    private static ProblemHttpResult Refused(FederationRefusal refusal) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = refusal.Status,
            Title = refusal.Status == StatusCodes.Status401Unauthorized ? "Unauthorized" : "Forbidden",
            Detail = refusal.Detail,
        });
}
