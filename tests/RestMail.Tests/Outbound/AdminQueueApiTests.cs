using System.Net;
using MimeKit;
using RestMail.Tests.Api;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Outbound;

public sealed class AdminQueueApiTests(OutboundServer server) : IClassFixture<OutboundServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(long Id, long SenderId)> DeferredEntryAsync()
    {
        var sender = await server.CreateAccountAsync();
        var rcpt = $"held@{ApiServer.UniqueDomain()}";
        server.Sink.Replies[rcpt] = "450 4.2.0 Mailbox busy";
        var id = await server.SendAsync(sender.Id, sender.Address,
            $"From: <{sender.Address}>\r\nTo: <{rcpt}>\r\nSubject: held\r\n\r\nbody\r\n", rcpt);
        await server.WaitForStateAsync(id, "queued", e => e.Attempts == 1);
        return (id, sender.Id);
    }

    [Fact]
    public async Task List_and_get_show_entries_recipients_and_counts()
    {
        var (id, _) = await DeferredEntryAsync();
        var (_, admin) = await server.CreateSignedInAsync(admin: true);
        using var _a = admin;

        var list = await (await admin.GetAsync("/v1/admin/queue?state=queued", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(list.GetProperty("counts").GetProperty("queued").GetInt64() >= 1);
        Assert.Contains(list.GetProperty("entries").EnumerateArray(), e => e.GetProperty("id").GetInt64() == id);

        var entry = await (await admin.GetAsync($"/v1/admin/queue/{id}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("queued", entry.GetProperty("state").GetString());
        var recipient = Assert.Single(entry.GetProperty("recipients").EnumerateArray());
        Assert.Contains("450 4.2.0", recipient.GetProperty("last_error").GetString(), StringComparison.Ordinal);

        await admin.GetAsync("/v1/admin/queue/999999999", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        await admin.GetAsync("/v1/admin/queue?state=lost", Ct).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Bounce_fails_now_with_a_dsn_and_releases_the_blobs()
    {
        var (id, senderId) = await DeferredEntryAsync();
        var segments = await server.SegmentsAsync(id);
        var (_, admin) = await server.CreateSignedInAsync(admin: true);
        using var _a = admin;

        var bounced = await (await admin.PostAsync($"/v1/admin/queue/{id}/bounce", null, Ct)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal("failed", bounced.GetProperty("state").GetString());
        Assert.True(await server.BlobsReleasedAsync(id, segments));
        var dsn = MimeMessage.Load(new MemoryStream(Assert.Single(await server.InboxAsync(senderId))), Ct);
        Assert.Equal("delivery-status", Assert.IsType<MultipartReport>(dsn.Body).ReportType);
        await admin.PostAsync($"/v1/admin/queue/{id}/bounce", null, Ct).AssertProblemAsync(HttpStatusCode.Conflict);
        await admin.PostAsync($"/v1/admin/queue/{id}/retry", null, Ct).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Delete_drops_the_entry_releases_the_blobs_and_sends_no_dsn()
    {
        var (id, senderId) = await DeferredEntryAsync();
        var segments = await server.SegmentsAsync(id);
        var (_, admin) = await server.CreateSignedInAsync(admin: true);
        using var _a = admin;

        using var deleted = await admin.DeleteAsync($"/v1/admin/queue/{id}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Null(await server.Queue.GetAsync(id, Ct));
        Assert.True(await server.BlobsReleasedAsync(id, segments));
        Assert.Empty(await server.InboxAsync(senderId));
        await admin.DeleteAsync($"/v1/admin/queue/{id}", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Non_admins_are_refused()
    {
        var (_, user) = await server.CreateSignedInAsync();
        using var _u = user;

        using var list = await user.GetAsync("/v1/admin/queue", Ct);
        using var retry = await user.PostAsync("/v1/admin/queue/1/retry", null, Ct);
        using var anonymous = await server.CreateClient().GetAsync("/v1/admin/queue", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, retry.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
