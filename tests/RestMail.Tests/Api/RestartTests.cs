using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Api;

/// <summary>Everything acknowledged survives a full stop and start of the host.</summary>
public sealed class RestartTests(ApiServer server) : IClassFixture<ApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restart_of_the_host_keeps_messages_flags_folders_quota_and_tokens()
    {
        var (account, client) = await server.CreateSignedInAsync();
        var raw = Encoding.ASCII.GetBytes(
            $"From: someone@remote.test\r\nTo: {account.Address}\r\nSubject: survives\r\nMessage-ID: <restart@remote.test>\r\n\r\nStill here.\r\n");
        var delivered = await server.DeliverAsync(account.Id, raw);
        using (var patch = await client.PatchAsJsonAsync($"/v1/messages/{delivered.MessageId}", new { add_flags = new[] { "seen", "flagged" } }, Ct))
            Assert.True(patch.IsSuccessStatusCode, await patch.Content.ReadAsStringAsync(Ct));
        using (var folder = await client.PostAsJsonAsync("/v1/folders", new { name = "Kept" }, Ct))
            Assert.Equal(HttpStatusCode.Created, folder.StatusCode);
        var quotaBefore = await client.GetStringAsync("/v1/quota", Ct);
        var changesBefore = await client.GetStringAsync("/v1/changes?since=0", Ct);

        await server.RestartAsync();

        // The signing key lives in PostgreSQL, so the token from before the restart still works.
        using var after = server.CreateClient(client.DefaultRequestHeaders.Authorization!.Parameter);
        Assert.Equal(raw, await after.GetByteArrayAsync($"/v1/messages/{delivered.MessageId}/raw", Ct));
        using var message = JsonDocument.Parse(await after.GetStringAsync($"/v1/messages/{delivered.MessageId}", Ct));
        var flags = message.RootElement.GetProperty("flags").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.Contains("seen", flags);
        Assert.Contains("flagged", flags);
        using var folders = JsonDocument.Parse(await after.GetStringAsync("/v1/folders", Ct));
        Assert.Contains(folders.RootElement.EnumerateArray(), f => f.GetProperty("name").GetString() == "Kept");
        Assert.Equal(quotaBefore, await after.GetStringAsync("/v1/quota", Ct));
        Assert.Equal(changesBefore, await after.GetStringAsync("/v1/changes?since=0", Ct));

        // And the store keeps working where it left off: the next UID follows the last one.
        var next = await server.DeliverAsync(account.Id, Encoding.ASCII.GetBytes("Subject: next\r\n\r\nafter restart\r\n"));
        Assert.Equal(delivered.Uid + 1, next.Uid);
        Assert.True(next.ModSeq > delivered.ModSeq);
    }
}
