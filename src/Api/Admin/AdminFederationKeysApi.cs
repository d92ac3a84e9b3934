using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Problems;
using RestMail.Storage.Federation;

namespace RestMail.Api.Admin;

/// <summary>The ES256 keys a hosted domain signs federation tokens with: list, rotate, retire (docs/federation.md §7).</summary>
public static class AdminFederationKeysApi
{
    /// <summary>Ten minutes: twice the key set's max-age, and many times the one-minute refetch limit of receivers.</summary>
    public const int DefaultSignsInSeconds = 600;

    // A day is far beyond any cache a receiver keeps; longer is more likely a mistake than a plan.
    private const int MaxSignsInSeconds = 86_400;

    public static RouteGroupBuilder MapAdminFederationKeysEndpoints(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/domains/{name}/federation/keys").WithTags("Admin: federation keys");
        keys.MapGet("/", ListAsync).WithSummary("The domain's published signing keys, oldest first, and which one signs now.");
        keys.MapPost("/rotate", RotateAsync).WithSummary("Publish a new key now that signs from signs_in_seconds (600) later; the old one stays published until retired.");
        keys.MapDelete("/{kid}", RetireAsync).WithSummary("Stop publishing and using a key (after its successor signs and the last tokens it signed expired).");
        return admin;
    }

    internal static async Task<Results<Ok<IReadOnlyList<FederationKeyInfo>>, ProblemHttpResult>> ListAsync(string name, FederationKeyStore store, CancellationToken ct)
    {
        // The domain's first key is made on first use; listing makes it too, so there is always one to rotate from.
        if (await store.GetSigningKeyAsync(name, ct) is null)
            return ApiProblems.NotFound($"No domain '{name}'.");
        return TypedResults.Ok((await store.ListAsync(name, ct))!);
    }

    internal static async Task<Results<Ok<FederationKeyInfo>, ProblemHttpResult>> RotateAsync(
        string name, RotateFederationKeyRequest? request, FederationKeyStore store, TimeProvider time, CancellationToken ct)
    {
        var seconds = request?.SignsInSeconds ?? DefaultSignsInSeconds;
        if (seconds is < 0 or > MaxSignsInSeconds)
            return ApiProblems.Invalid("signs_in_seconds", $"signs_in_seconds must be between 0 and {MaxSignsInSeconds}.");
        // The current key first: a domain that never signed gets its first key, which then hands over to the new one.
        if (await store.GetSigningKeyAsync(name, ct) is null)
            return ApiProblems.NotFound($"No domain '{name}'.");
        var kid = await store.RotateAsync(name, time.GetUtcNow().AddSeconds(seconds), ct);
        var added = kid is null ? null : (await store.ListAsync(name, ct))?.FirstOrDefault(k => k.Kid == kid);
        return added is null ? ApiProblems.NotFound($"No domain '{name}'.") : TypedResults.Ok(added);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> RetireAsync(string name, string kid, FederationKeyStore store, CancellationToken ct) =>
        await store.RetireAsync(name, kid, ct) ? TypedResults.NoContent() : ApiProblems.NotFound($"Domain '{name}' has no published key '{kid}'.");
}
