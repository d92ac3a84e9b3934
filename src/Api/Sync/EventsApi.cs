using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using RestMail.Api.Auth;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Api.Sync;

/// <summary>
/// GET /v1/events: the change log as Server-Sent Events. Each change is an event whose id is its
/// modseq, so a reconnecting client resumes with Last-Event-ID (or ?since=). Pushes come from a
/// grain observer; PostgreSQL stays the truth, so every wake-up re-reads the log after the last id sent.
/// </summary>
public static class EventsApi
{
    private const int BatchSize = 500;

    public static RouteGroupBuilder MapEventsEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/events", StreamAsync).WithTags("Sync")
            .WithSummary("Server-Sent Events: one event per change (id = modseq, event = kind); resumes from Last-Event-ID or ?since=; 'resync' when the log no longer reaches back.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return v1;
    }

    internal static async Task StreamAsync(
        HttpContext context, long? since, ClaimsPrincipal user, MailQueries queries, IGrainFactory grains,
        TimeProvider time, IOptions<JsonOptions> json, IOptions<EventStreamOptions> options, CancellationToken ct)
    {
        var accountId = user.AccountId();
        var start = since;
        if (long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var lastEventId))
            start = lastEventId;

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var stream = new EventStream(context.Response, queries, accountId, json.Value.SerializerOptions);
        var signal = new MailboxSignal();
        var reference = grains.CreateObjectReference<IMailboxObserver>(signal);
        var mailbox = grains.GetGrain<IMailboxGrain>(accountId);
        try
        {
            // Subscribe before the replay, so nothing committed in between is missed.
            await mailbox.SubscribeAsync(reference).WaitAsync(ct);
            var (heartbeat, resubscribe) = (options.Value.HeartbeatInterval, options.Value.ResubscribeInterval);
            var nextHeartbeat = time.GetUtcNow() + heartbeat;
            var nextSubscribe = time.GetUtcNow() + resubscribe;
            // The starting point is fixed before the client hears "connected": anything it does
            // after that commits above this MODSEQ and is sent.
            if (start is { } from)
                stream.LastSent = from;
            else
                stream.LastSent = (await queries.GetChangesAsync(accountId, 0, 1, ct)).HighestModSeq;
            await stream.WriteAsync("retry: 3000\n: connected\n\n", ct);
            await stream.SendPendingAsync(ct);

            var changed = signal.WaitAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var due = (nextHeartbeat < nextSubscribe ? nextHeartbeat : nextSubscribe) - now;
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var delay = Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, time, timer.Token);
                var woke = await Task.WhenAny(changed, delay);
                await timer.CancelAsync();
                if (woke == changed)
                {
                    await changed;
                    await stream.SendPendingAsync(ct);
                    changed = signal.WaitAsync(ct);
                    continue;
                }
                now = time.GetUtcNow();
                if (now >= nextSubscribe)
                {
                    // Observers are held weakly and dropped if the grain moves silos: renew.
                    await mailbox.SubscribeAsync(reference).WaitAsync(ct);
                    nextSubscribe = now + resubscribe;
                    // A change may have slipped through while the subscription lapsed.
                    await stream.SendPendingAsync(ct);
                }
                if (now >= nextHeartbeat)
                {
                    await stream.WriteAsync(": heartbeat\n\n", ct);
                    nextHeartbeat = now + heartbeat;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            try
            {
                await mailbox.UnsubscribeAsync(reference);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The grain drops dead observers on its own.
            }
            grains.DeleteObjectReference<IMailboxObserver>(reference);
        }
    }

    private sealed class EventStream(HttpResponse response, MailQueries queries, long accountId, JsonSerializerOptions json)
    {
        public long LastSent { get; set; }

        public async Task WriteAsync(string text, CancellationToken ct)
        {
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
            await response.Body.FlushAsync(ct);
        }

        /// <summary>Sends every change after <see cref="LastSent"/>, or a resync event when the log no longer covers it.</summary>
        public async Task SendPendingAsync(CancellationToken ct)
        {
            while (true)
            {
                var feed = await queries.GetChangesAsync(accountId, LastSent, BatchSize, ct);
                if (feed.ResyncRequired)
                {
                    LastSent = feed.HighestModSeq;
                    await WriteAsync($"id: {LastSent}\nevent: resync\ndata: {{\"highest_modseq\":{LastSent}}}\n\n", ct);
                    return;
                }
                if (feed.Changes.Count == 0)
                    return;
                var text = new StringBuilder();
                foreach (var change in feed.Changes)
                {
                    var data = JsonSerializer.Serialize(ChangeResponse.From(change), json);
                    var kind = JsonNamingPolicy.SnakeCaseLower.ConvertName(change.Kind.ToString());
                    text.Append(CultureInfo.InvariantCulture, $"id: {change.ModSeq}\nevent: {kind}\ndata: {data}\n\n");
                    LastSent = change.ModSeq;
                }
                await WriteAsync(text.ToString(), ct);
                if (feed.Changes.Count < BatchSize)
                    return;
            }
        }
    }
}
