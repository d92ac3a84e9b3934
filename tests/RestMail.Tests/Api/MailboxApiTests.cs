using System.Net;
using System.Text;
using System.Text.Json;
using RestMail.Tests.Infrastructure;
using RestMail.Tests.Mailboxes;

namespace RestMail.Tests.Api;

public sealed class MailboxApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Folders_list_create_rename_delete()
    {
        var (_, client) = await server.CreateSignedInAsync();
        using var _c = client;

        var folders = await (await client.GetAsync("/v1/folders", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(
            ["inbox", "drafts", "sent", "archive", "junk", "trash"],
            folders.EnumerateArray().Select(f => f.GetProperty("role").GetString()));
        Assert.Equal("INBOX", folders[0].GetProperty("name").GetString());
        Assert.Equal(0, folders[0].GetProperty("total").GetInt64());

        var created = await (await client.PostJsonAsync("/v1/folders", new { name = "Projects" })).ReadJsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal(JsonValueKind.Null, created.GetProperty("role").ValueKind);
        await client.PostJsonAsync("/v1/folders", new { name = "Projects" }).AssertProblemAsync(HttpStatusCode.Conflict);
        await client.PostJsonAsync("/v1/folders", new { name = "" }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await client.PostJsonAsync("/v1/folders", new { name = "x", role = "inbox" }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        var renamed = await (await client.PatchJsonAsync($"/v1/folders/{id}", new { name = "Work" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Work", renamed.GetProperty("name").GetString());
        var inbox = folders[0].GetProperty("id").GetInt64();
        await client.DeleteAsync($"/v1/folders/{inbox}", Ct).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/folders/{id}", Ct)).StatusCode);
        await client.GetAsync($"/v1/folders/{id}", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_accounts_folder_and_message_ids_are_404()
    {
        var (owner, ownerClient) = await server.CreateSignedInAsync();
        var (_, intruder) = await server.CreateSignedInAsync();
        using var _o = ownerClient;
        using var _i = intruder;
        var delivered = await server.DeliverAsync(owner.Id, TestMessages.Plain("private"));
        var folder = delivered.FolderId;
        var message = delivered.MessageId;
        var intruderInbox = (await (await intruder.GetAsync("/v1/folders", Ct)).ReadJsonAsync(HttpStatusCode.OK))[0].GetProperty("id").GetInt64();

        await intruder.GetAsync($"/v1/folders/{folder}", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.GetAsync($"/v1/folders/{folder}/messages", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.PatchJsonAsync($"/v1/folders/{folder}", new { name = "mine" }).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.DeleteAsync($"/v1/folders/{folder}", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.GetAsync($"/v1/messages/{message}", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.GetAsync($"/v1/messages/{message}/raw", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.PatchJsonAsync($"/v1/messages/{message}", new { add_flags = new[] { "seen" } }).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.PostJsonAsync($"/v1/messages/{message}/copy", new { folder_id = intruderInbox }).AssertProblemAsync(HttpStatusCode.NotFound);
        await intruder.DeleteAsync($"/v1/messages/{message}?permanent=true", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        var bulk = await (await intruder.PostJsonAsync("/v1/messages/bulk", new { ids = new[] { message }, action = "delete", permanent = true })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([message], bulk.GetProperty("not_found").EnumerateArray().Select(e => e.GetInt64()));
        // Moving your own message into someone else's folder is refused the same way as a missing folder.
        var own = await server.DeliverAsync((await MeAsync(intruder)).GetProperty("id").GetInt64(), TestMessages.Plain("mine"));
        await intruder.PatchJsonAsync($"/v1/messages/{own.MessageId}", new { folder_id = folder }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        var still = await (await ownerClient.GetAsync($"/v1/messages/{message}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(still.GetProperty("flags").EnumerateArray());
        Assert.Equal(folder, still.GetProperty("folder_id").GetInt64());
    }

    [Fact]
    public async Task Listing_pages_with_a_cursor_and_sorts()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
            ids.Add((await server.DeliverAsync(account.Id, TestMessages.Plain($"message {i}", body: new string('x', 100 * (i + 1))))).MessageId);
        var inbox = await InboxAsync(client);

        var seen = new List<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.GetAsync($"/v1/folders/{inbox}/messages?limit=2&cursor={Uri.EscapeDataString(cursor ?? "")}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Equal(3, pages);

        var bySize = await (await client.GetAsync($"/v1/folders/{inbox}/messages?sort=size_desc", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var sizes = bySize.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("size").GetInt64()).ToList();
        Assert.Equal(sizes.OrderDescending(), sizes);
        Assert.Equal(ids[^1], bySize.GetProperty("items")[0].GetProperty("id").GetInt64());

        await client.GetAsync($"/v1/folders/{inbox}/messages?sort=sideways", Ct).AssertProblemAsync(HttpStatusCode.BadRequest);
        await client.GetAsync($"/v1/folders/{inbox}/messages?limit=0", Ct).AssertProblemAsync(HttpStatusCode.BadRequest);
        await client.GetAsync($"/v1/folders/{inbox}/messages?cursor=garbage!", Ct).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Raw_comes_back_byte_exact_even_when_malformed()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var raw = Encoding.UTF8.GetBytes("From: broken\nSubject: =?bogus?=\nContent-Type: multipart/mixed; boundary=\"never\"\n\n--nope\r\nünïcode body\n\0tail");
        var delivered = await server.DeliverAsync(account.Id, raw);

        using var response = await client.GetAsync($"/v1/messages/{delivered.MessageId}/raw", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("message/rfc822", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(raw, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Patch_sets_and_clears_flags_and_keywords_and_moves()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var delivered = await server.DeliverAsync(account.Id, TestMessages.Plain("flag me"));
        var id = delivered.MessageId;

        var flagged = await (await client.PatchJsonAsync($"/v1/messages/{id}", new { add_flags = new[] { "seen", "\\Flagged" }, add_keywords = new[] { "work" } })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["seen", "flagged"], flagged.GetProperty("flags").Strings());
        Assert.Equal(["work"], flagged.GetProperty("keywords").Strings());

        var cleared = await (await client.PatchJsonAsync($"/v1/messages/{id}", new { remove_flags = new[] { "flagged" }, remove_keywords = new[] { "work" } })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["seen"], cleared.GetProperty("flags").Strings());
        Assert.Empty(cleared.GetProperty("keywords").EnumerateArray());

        await client.PatchJsonAsync($"/v1/messages/{id}", new { add_flags = new[] { "important" } }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await client.PatchJsonAsync($"/v1/messages/{id}", new { add_keywords = new[] { "two words" } }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        await client.PatchJsonAsync($"/v1/messages/{id}", new { add_flags = new[] { "flagged" }, folder_id = long.MaxValue }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        var unchanged = await (await client.GetAsync($"/v1/messages/{id}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["seen"], unchanged.GetProperty("flags").Strings());

        var archive = await FolderIdAsync(client, "archive");
        var moved = await (await client.PatchJsonAsync($"/v1/messages/{id}", new { folder_id = archive })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(archive, moved.GetProperty("folder_id").GetInt64());
        var archiveFolder = await (await client.GetAsync($"/v1/folders/{archive}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, archiveFolder.GetProperty("total").GetInt64());
        Assert.Equal(0, archiveFolder.GetProperty("unread").GetInt64());
    }

    [Fact]
    public async Task Delete_moves_to_trash_then_expunges()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var id = (await server.DeliverAsync(account.Id, TestMessages.Plain("bye"))).MessageId;
        var other = (await server.DeliverAsync(account.Id, TestMessages.Plain("bye for good"))).MessageId;
        var trash = await FolderIdAsync(client, "trash");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/messages/{id}", Ct)).StatusCode);
        var inTrash = await (await client.GetAsync($"/v1/messages/{id}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(trash, inTrash.GetProperty("folder_id").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/messages/{id}", Ct)).StatusCode);
        await client.GetAsync($"/v1/messages/{id}", Ct).AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/messages/{other}?permanent=true", Ct)).StatusCode);
        await client.GetAsync($"/v1/messages/{other}/raw", Ct).AssertProblemAsync(HttpStatusCode.NotFound);
        var quota = await (await client.GetAsync("/v1/quota", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, quota.GetProperty("used_bytes").GetInt64());
        Assert.Equal(0, quota.GetProperty("message_count").GetInt64());
    }

    [Fact]
    public async Task Copy_and_bulk_actions()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
            ids.Add((await server.DeliverAsync(account.Id, TestMessages.Plain($"bulk {i}"))).MessageId);
        var archive = await FolderIdAsync(client, "archive");

        var copy = await (await client.PostJsonAsync($"/v1/messages/{ids[0]}/copy", new { folder_id = archive })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.NotEqual(ids[0], copy.GetProperty("id").GetInt64());
        Assert.Equal(archive, copy.GetProperty("folder_id").GetInt64());
        await client.PostJsonAsync($"/v1/messages/{ids[0]}/copy", new { }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);

        var flagged = await (await client.PostJsonAsync("/v1/messages/bulk", new { ids = new[] { ids[0], ids[1], long.MaxValue }, action = "flag", flags = new[] { "seen" } })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([ids[0], ids[1]], flagged.GetProperty("changed").EnumerateArray().Select(e => e.GetInt64()).Order());
        Assert.Equal([long.MaxValue], flagged.GetProperty("not_found").EnumerateArray().Select(e => e.GetInt64()));
        var inbox = await (await client.GetAsync($"/v1/folders/{await InboxAsync(client)}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, inbox.GetProperty("unread").GetInt64());

        var moved = await (await client.PostJsonAsync("/v1/messages/bulk", new { ids, action = "move", folder_id = archive })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(3, moved.GetProperty("changed").GetArrayLength());
        Assert.Equal(4, (await (await client.GetAsync($"/v1/folders/{archive}", Ct)).ReadJsonAsync(HttpStatusCode.OK)).GetProperty("total").GetInt64());

        await (await client.PostJsonAsync("/v1/messages/bulk", new { ids, action = "delete", permanent = true })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, (await (await client.GetAsync($"/v1/folders/{archive}", Ct)).ReadJsonAsync(HttpStatusCode.OK)).GetProperty("total").GetInt64());

        await client.PostJsonAsync("/v1/messages/bulk", new { ids = Array.Empty<long>(), action = "flag" }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await client.PostJsonAsync("/v1/messages/bulk", new { ids, action = "move" }).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await client.PostJsonAsync("/v1/messages/bulk", new { ids, action = "explode" }).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Copy_over_quota_is_507_and_copies_nothing()
    {
        var raw = TestMessages.Plain("fills half the quota");
        var account = await server.CreateAccountAsync(quotaBytes: raw.Length + raw.Length / 2);
        var token = await server.SignInAsync(account.Address);
        using var client = server.CreateClient(token.GetProperty("access_token").GetString());
        var delivered = await server.DeliverAsync(account.Id, raw);
        var archive = await FolderIdAsync(client, "archive");

        await client.PostJsonAsync($"/v1/messages/{delivered.MessageId}/copy", new { folder_id = archive }).AssertProblemAsync(HttpStatusCode.InsufficientStorage);

        var quota = await (await client.GetAsync("/v1/quota", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, quota.GetProperty("message_count").GetInt64());
        Assert.Equal(0, (await (await client.GetAsync($"/v1/folders/{archive}", Ct)).ReadJsonAsync(HttpStatusCode.OK)).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Search_finds_by_subject_and_rejects_bad_syntax()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var wanted = (await server.DeliverAsync(account.Id, TestMessages.Plain("quarterly zebra report"))).MessageId;
        await server.DeliverAsync(account.Id, TestMessages.Plain("lunch"));

        var found = await (await client.GetAsync("/v1/search?q=subject:zebra", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(wanted, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());

        await client.GetAsync("/v1/search?q=is:sideways", Ct).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Changes_since_a_modseq_and_resync_when_out_of_range()
    {
        var (account, client) = await server.CreateSignedInAsync();
        using var _c = client;
        var first = await server.DeliverAsync(account.Id, TestMessages.Plain("one"));
        var second = await server.DeliverAsync(account.Id, TestMessages.Plain("two"));

        var all = await (await client.GetAsync("/v1/changes?since=0", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var added = all.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("kind").GetString() == "added").Select(c => c.GetProperty("message_id").GetInt64());
        Assert.Equal([first.MessageId, second.MessageId], added);
        Assert.False(all.GetProperty("resync_required").GetBoolean());

        var after = await (await client.GetAsync($"/v1/changes?since={first.ModSeq}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(second.ModSeq, Assert.Single(after.GetProperty("changes").EnumerateArray()).GetProperty("modseq").GetInt64());
        Assert.Equal(second.ModSeq, after.GetProperty("highest_modseq").GetInt64());

        var paged = await (await client.GetAsync("/v1/changes?since=0&limit=1", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(paged.GetProperty("has_more").GetBoolean());

        var future = await (await client.GetAsync($"/v1/changes?since={second.ModSeq + 100}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(future.GetProperty("resync_required").GetBoolean());
    }

    [Fact]
    public async Task Quota_reports_usage_and_limits()
    {
        var account = await server.CreateAccountAsync(quotaBytes: 1_000_000);
        var token = await server.SignInAsync(account.Address);
        using var client = server.CreateClient(token.GetProperty("access_token").GetString());
        var raw = TestMessages.Plain("sized");
        await server.DeliverAsync(account.Id, raw);

        var quota = await (await client.GetAsync("/v1/quota", Ct)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(raw.Length, quota.GetProperty("used_bytes").GetInt64());
        Assert.Equal(1_000_000, quota.GetProperty("limit_bytes").GetInt64());
        Assert.Equal(1, quota.GetProperty("message_count").GetInt64());
        Assert.True(quota.TryGetProperty("stored_bytes", out _));
    }

    private static async Task<long> InboxAsync(HttpClient client) => await FolderIdAsync(client, "inbox");

    private static async Task<long> FolderIdAsync(HttpClient client, string role)
    {
        var folders = await (await client.GetAsync("/v1/folders", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        return folders.EnumerateArray().Single(f => f.GetProperty("role").GetString() == role).GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> MeAsync(HttpClient client) =>
        await (await client.GetAsync("/v1/me", Ct)).ReadJsonAsync(HttpStatusCode.OK);
}
