using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

/// <summary>An outbound server whose scheduler would poll only every ten minutes.</summary>
public sealed class RarelyPollingOutboundServer(PostgresServer postgres) : OutboundServer(postgres)
{
    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["RestMail:Outbound:PollInterval"] = "00:10:00" });
    }
}

/// <summary>Mail queued on a silo is attempted at once, not at the scheduler's next poll.</summary>
public sealed class ImmediateAttemptTests(RarelyPollingOutboundServer server) : IClassFixture<RarelyPollingOutboundServer>
{
    [Fact]
    public async Task Queued_mail_is_delivered_long_before_the_next_poll()
    {
        var sender = await server.CreateAccountAsync();
        var domain = ApiServer.UniqueDomain();

        // Several one after the other: each wakes the scheduler, also while earlier attempts are in flight.
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var to = $"r{i}@{domain}";
            ids.Add(await server.SendAsync(sender.Id, sender.Address,
                $"From: <{sender.Address}>\r\nTo: <{to}>\r\nSubject: at once {i}\r\nMessage-ID: <{Guid.NewGuid():N}@restmail.test>\r\n\r\nNow.\r\n", to));
        }

        // WaitForStateAsync gives up after 30 seconds, far below the ten-minute poll.
        foreach (var id in ids)
            await server.WaitForStateAsync(id, "delivered");
        for (var i = 0; i < 5; i++)
            Assert.Single(server.Sink.For($"r{i}@{domain}"));
    }
}
