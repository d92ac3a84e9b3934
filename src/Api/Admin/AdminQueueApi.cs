using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RestMail.Api.Problems;
using RestMail.Grains.Queue;
using RestMail.Storage.Queue;

namespace RestMail.Api.Admin;

public static class AdminQueueApi
{
    private const int MaxListed = 500;

    public static RouteGroupBuilder MapAdminQueueEndpoints(this RouteGroupBuilder admin)
    {
        var queue = admin.MapGroup("/queue").WithTags("Admin: outbound queue");
        queue.MapGet("/", ListAsync).WithSummary("Counts by state and the newest entries, optionally of one ?state= (queued, delivering, delivered, failed), at most ?limit= (100).");
        queue.MapGet("/{id:long}", GetAsync).WithSummary("One entry with the outcome of each recipient.");
        queue.MapPost("/{id:long}/retry", RetryAsync).WithSummary("Make a queued entry due now.");
        queue.MapPost("/{id:long}/bounce", BounceAsync).WithSummary("Fail every recipient still queued, with a DSN to the sender.");
        queue.MapDelete("/{id:long}", DeleteAsync).WithSummary("Drop the entry without a DSN.");
        return admin;
    }

    internal static async Task<Results<Ok<QueueListing>, ProblemHttpResult>> ListAsync(string? state, int? limit, QueueStore store, CancellationToken ct)
    {
        if (state is not null && !QueueStore.States.Contains(state))
            return ApiProblems.Invalid("state", $"state must be one of {string.Join(", ", QueueStore.States)}.");
        if (limit is < 1 or > MaxListed)
            return ApiProblems.Invalid("limit", $"limit must be between 1 and {MaxListed}.");
        return TypedResults.Ok(await store.ListAsync(state, limit ?? 100, ct));
    }

    internal static async Task<Results<Ok<QueueEntry>, ProblemHttpResult>> GetAsync(long id, QueueStore store, CancellationToken ct) =>
        await store.GetAsync(id, ct) is { } entry ? TypedResults.Ok(entry) : ApiProblems.NotFound($"No queue entry {id}.");

    internal static async Task<Results<Ok<QueueEntry>, ProblemHttpResult>> RetryAsync(long id, QueueStore store, CancellationToken ct)
    {
        if (await store.RetryNowAsync(id, ct))
            return TypedResults.Ok((await store.GetAsync(id, ct))!);
        return await store.GetAsync(id, ct) is { } entry
            ? ApiProblems.Conflict($"Queue entry {id} is {entry.State}; only queued entries can be retried.")
            : ApiProblems.NotFound($"No queue entry {id}.");
    }

    internal static async Task<Results<Ok<QueueEntry>, ProblemHttpResult>> BounceAsync(long id, QueueStore store, IGrainFactory grains, CancellationToken ct)
    {
        if (await grains.GetGrain<IQueueEntryGrain>(id).BounceAsync())
            return TypedResults.Ok((await store.GetAsync(id, ct))!);
        return await store.GetAsync(id, ct) is { } entry
            ? ApiProblems.Conflict($"Queue entry {id} is {entry.State} already.")
            : ApiProblems.NotFound($"No queue entry {id}.");
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, IGrainFactory grains) =>
        await grains.GetGrain<IQueueEntryGrain>(id).DeleteAsync() ? TypedResults.NoContent() : ApiProblems.NotFound($"No queue entry {id}.");
}
