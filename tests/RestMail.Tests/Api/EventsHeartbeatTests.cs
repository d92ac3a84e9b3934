using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Api.Sync;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Mailboxes;

namespace RestMail.Tests.Api;

/// <summary>An API server whose event streams beat and renew their subscription every 100 ms instead of 15 s / 60 s.</summary>
public sealed class FastEventsApiServer(PostgresServer postgres) : ApiServer(postgres)
{
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Services.Configure<EventStreamOptions>(o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            o.ResubscribeInterval = TimeSpan.FromMilliseconds(100);
        });
}

public sealed class EventsHeartbeatTests(FastEventsApiServer server) : IClassFixture<FastEventsApiServer>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Idle_streams_get_heartbeats_and_keep_receiving_after_resubscribing()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        using var response = await client.GetAsync("/v1/events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        Assert.Contains("connected", (await events.ReadAsync(Deadline)).Comments);

        // Several heartbeats, and as many renewals of the observer, go by.
        for (var i = 0; i < 3; i++)
        {
            var beat = await events.ReadAsync(Deadline);
            Assert.Equal(["heartbeat"], beat.Comments);
            Assert.Null(beat.Event);
        }

        var delivered = await server.DeliverAsync(account.Id, TestMessages.Plain("after renewals"));
        var added = await events.ReadEventAsync(Deadline);
        Assert.Equal(delivered.MessageId, added.Json.GetProperty("message_id").GetInt64());
    }
}
