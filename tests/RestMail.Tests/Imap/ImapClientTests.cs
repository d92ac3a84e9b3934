using System.Net;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;
using RestMail.Tests.Api;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Imap;

/// <summary>MailKit's ImapClient against the real host: folders, APPEND, FETCH, STORE, COPY/MOVE, EXPUNGE, QUOTA.</summary>
public sealed class ImapClientTests(ImapServer server) : IClassFixture<ImapServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Folders_list_with_special_use_and_can_be_created_renamed_subscribed_and_deleted_over_STARTTLS()
    {
        var account = await server.CreateAccountAsync();
        using var client = await server.ConnectAsync(account.Address, startTls: true);
        Assert.True(client.IsSecure);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SpecialUse));
        Assert.Equal("Sent", client.GetFolder(SpecialFolder.Sent)!.FullName);
        Assert.Equal("Trash", client.GetFolder(SpecialFolder.Trash)!.FullName);

        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var projects = await root!.CreateAsync("Projects", true, Ct);
        var child = await projects!.CreateAsync("Alpha", true, Ct);
        Assert.Equal("Projects/Alpha", child!.FullName);
        var all = await root!.GetSubfoldersAsync(false, Ct);
        Assert.Contains(all, f => f.FullName == "Projects" && f.Attributes.HasFlag(FolderAttributes.HasChildren));

        await projects.RenameAsync(root, "Work", Ct);
        var names = (await root!.GetSubfoldersAsync(false, Ct)).Select(f => f.FullName).ToList();
        Assert.Contains("Work", names);
        var work = await client.GetFolderAsync("Work", Ct);
        Assert.Equal(["Work/Alpha"], (await work.GetSubfoldersAsync(false, Ct)).Select(f => f.FullName));

        await work.SubscribeAsync(Ct);
        var subscribed = (await root!.GetSubfoldersAsync(true, Ct)).Select(f => f.FullName).ToList();
        Assert.Contains("Work", subscribed);
        Assert.Contains("INBOX", subscribed);
        await work.UnsubscribeAsync(Ct);
        Assert.DoesNotContain("Work", (await root!.GetSubfoldersAsync(true, Ct)).Select(f => f.FullName));

        var alpha = await client.GetFolderAsync("Work/Alpha", Ct);
        await alpha.DeleteAsync(Ct);
        Assert.Empty(await work.GetSubfoldersAsync(false, Ct));
        await Assert.ThrowsAsync<ImapCommandException>(() => client.GetFolder(SpecialFolder.Sent)!.DeleteAsync(Ct));
    }

    [Fact]
    public async Task APPEND_with_flags_and_date_returns_APPENDUID_and_STATUS_counts_it()
    {
        var account = await server.CreateAccountAsync();
        using var client = await server.ConnectAsync(account.Address);
        var inbox = client.Inbox;
        var date = new DateTimeOffset(2026, 10, 1, 8, 30, 0, TimeSpan.FromHours(2));
        var raw = ImapMessages.Simple("appended");
        var uid = await inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(raw), Ct)) { Flags = MessageFlags.Seen | MessageFlags.Flagged, Keywords = new HashSet<string> { "work" }, InternalDate = date }, Ct);
        Assert.NotNull(uid);

        await inbox.StatusAsync(StatusItems.Count | StatusItems.Unread | StatusItems.UidNext | StatusItems.UidValidity | StatusItems.Size, Ct);
        Assert.Equal(1, inbox.Count);
        Assert.Equal(0, inbox.Unread);
        Assert.Equal(uid.Value.Id + 1, inbox.UidNext!.Value.Id);
        Assert.Equal(uid.Value.Validity, inbox.UidValidity);

        await inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var summary = (await inbox.FetchAsync([uid.Value], MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size, Ct)).Single();
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, summary.Flags);
        Assert.Contains("work", summary.Keywords);
        Assert.Equal(date, summary.InternalDate);
    }

    [Fact]
    public async Task FETCH_returns_the_raw_message_byte_exact_and_sections_envelope_and_bodystructure()
    {
        var account = await server.CreateAccountAsync();
        var raw = ImapMessages.WithAttachment("structured");
        await server.DeliverAsync(account.Id, raw);
        using var client = await server.ConnectAsync(account.Address);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        Assert.Equal(1, inbox.Count);

        var summary = (await inbox.FetchAsync([0], MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.UniqueId | MessageSummaryItems.Flags, Ct)).Single();
        var envelope = summary.Envelope!;
        Assert.Equal("structured", envelope.Subject);
        Assert.Equal("carol@example.org", envelope.From.Mailboxes.Single().Address);
        Assert.Equal("Carol", envelope.From.Mailboxes.Single().Name);
        Assert.Equal(["dave@example.net", "eve@example.net"], envelope.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("carol@example.org", envelope.Sender.Mailboxes.Single().Address);
        Assert.Equal("<att-1@example.org>", "<" + envelope.MessageId + ">");
        var multipart = Assert.IsType<BodyPartMultipart>(summary.Body);
        Assert.Equal("mixed", multipart.ContentType.MediaSubtype);
        var text = Assert.IsType<BodyPartText>(multipart.BodyParts[0]);
        Assert.Equal(2u, text.Lines);
        Assert.Equal("utf-8", text.ContentType.Charset);
        var attachment = Assert.IsType<BodyPartBasic>(multipart.BodyParts[1]);
        Assert.Equal("data.bin", attachment.FileName);
        Assert.Equal("base64", attachment.ContentTransferEncoding);
        Assert.False(summary.Flags!.Value.HasFlag(MessageFlags.Seen));

        // BODY.PEEK[] leaves \Seen alone and is byte-exact.
        using (var peeked = await inbox.GetStreamAsync(summary.UniqueId, "", Ct))
        {
            using var copy = new MemoryStream();
            await peeked.CopyToAsync(copy, Ct);
            Assert.Equal(raw, copy.ToArray());
        }
        var section = await inbox.GetBodyPartAsync(summary.UniqueId, text, Ct);
        // The CRLF before the boundary belongs to the boundary (RFC 2046 §5.1.1); MimeKit gives text with LF.
        Assert.Equal("First line.\nSecond line.", ((TextPart)section).Text.ReplaceLineEndings("\n"));
        var binary = (MimePart)await inbox.GetBodyPartAsync(summary.UniqueId, attachment, Ct);
        using var decoded = new MemoryStream();
        await binary.Content!.DecodeToAsync(decoded, Ct);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i).ToArray(), decoded.ToArray());

        // A partial fetch.
        using (var partial = await inbox.GetStreamAsync(summary.UniqueId, 6, 10, Ct))
        {
            using var copy = new MemoryStream();
            await partial.CopyToAsync(copy, Ct);
            Assert.Equal(raw.AsSpan(6, 10).ToArray(), copy.ToArray());
        }
        // HEADER.FIELDS.
        var headers = await inbox.GetHeadersAsync(summary.UniqueId, Ct);
        Assert.Equal("structured", headers[HeaderId.Subject]);
    }

    [Fact]
    public async Task BODY_PEEK_leaves_Seen_alone_and_a_flag_set_over_IMAP_shows_in_REST()
    {
        var (account, rest) = await server.CreateSignedInAsync();
        var delivered = await server.DeliverAsync(account.Id, ImapMessages.Simple("read me"));
        using var client = await server.ConnectAsync(account.Address);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        // MailKit reads with BODY.PEEK[]; \Seen stays unset until the client sets it.
        await inbox.GetMessageAsync(0, Ct);
        var flags = (await inbox.FetchAsync([0], MessageSummaryItems.Flags, Ct)).Single().Flags!.Value;
        Assert.False(flags.HasFlag(MessageFlags.Seen));
        await inbox.AddFlagsAsync(0, MessageFlags.Seen, true, Ct);

        await inbox.AddFlagsAsync(0, MessageFlags.Flagged, true, Ct);
        await inbox.AddFlagsAsync([0], MessageFlags.None, new HashSet<string> { "$label1" }, true, Ct);
        var json = await (await rest.GetAsync($"/v1/messages/{delivered.MessageId}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["seen", "flagged"], json.GetProperty("flags").Strings());

        await inbox.StoreAsync(0, new StoreFlagsRequest(StoreAction.Set, MessageFlags.Answered) { Silent = false }, Ct);
        json = await (await rest.GetAsync($"/v1/messages/{delivered.MessageId}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["answered"], json.GetProperty("flags").Strings());
    }

    [Fact]
    public async Task COPY_and_MOVE_return_COPYUID_and_EXPUNGE_removes_only_deleted_messages()
    {
        var account = await server.CreateAccountAsync();
        for (var i = 0; i < 4; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"m{i}"));
        using var client = await server.ConnectAsync(account.Address);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        var uids = await inbox.SearchAsync(SearchQuery.All, Ct);
        Assert.Equal(4, uids.Count);
        var archive = client.GetFolder(SpecialFolder.Archive)!;

        var copied = await inbox.CopyToAsync([uids[0]], archive, Ct);
        Assert.Single(copied.Destination);
        Assert.Equal(uids[0], copied.Source.Single());

        var moved = await inbox.MoveToAsync([uids[1], uids[2]], archive, Ct);
        Assert.Equal(2, moved.Destination.Count);
        Assert.Equal(2, inbox.Count);

        await inbox.AddFlagsAsync([uids[3]], MessageFlags.Deleted, true, Ct);
        await inbox.ExpungeAsync(Ct);
        Assert.Equal(1, inbox.Count);
        await archive.StatusAsync(StatusItems.Count, Ct);
        Assert.Equal(3, archive.Count);

        // UID EXPUNGE removes only the named UIDs.
        await archive.OpenAsync(FolderAccess.ReadWrite, Ct);
        var archived = await archive.SearchAsync(SearchQuery.All, Ct);
        await archive.AddFlagsAsync(archived, MessageFlags.Deleted, true, Ct);
        await archive.ExpungeAsync([archived[0]], Ct);
        Assert.Equal(2, archive.Count);
    }

    [Fact]
    public async Task APPEND_beyond_the_quota_is_refused_with_OVERQUOTA_and_GETQUOTAROOT_reports_usage()
    {
        var account = await server.CreateAccountAsync(quotaBytes: 2048);
        using var client = await server.ConnectAsync(account.Address);
        var big = ImapMessages.Simple("too big", new string('x', 4000));
        var error = await Assert.ThrowsAsync<ImapCommandException>(() => client.Inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(big), Ct)), Ct));
        Assert.Equal("Quota exceeded", error.ResponseText);
        await client.Inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(ImapMessages.Simple("small")), Ct)), Ct);
        var quota = await client.Inbox.GetQuotaAsync(Ct);
        Assert.Equal(2u, quota.StorageLimit);
        Assert.True(quota.CurrentStorageSize >= 1);
    }

    [Fact]
    public async Task Two_sessions_on_one_folder_one_expunges_while_the_other_fetches_and_numbers_stay_right()
    {
        var account = await server.CreateAccountAsync();
        for (var i = 0; i < 5; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"c{i}"));
        using var first = await server.ConnectAsync(account.Address);
        using var second = await server.ConnectAsync(account.Address);
        await first.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        await second.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        var expunged = new List<int>();
        second.Inbox.MessageExpunged += (_, e) => expunged.Add(e.Index);

        await first.Inbox.AddFlagsAsync([1, 3], MessageFlags.Deleted, true, Ct);
        await first.Inbox.ExpungeAsync(Ct);
        Assert.Equal(3, first.Inbox.Count);

        // FETCH by sequence number must not shift numbers under the client: no EXPUNGE yet.
        var fetched = await second.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope, Ct);
        Assert.Empty(expunged);
        Assert.Equal(5, second.Inbox.Count);
        Assert.Equal(3, fetched.Count);

        await second.Inbox.CheckAsync(Ct);
        Assert.Equal(2, expunged.Count);
        Assert.Equal(3, second.Inbox.Count);
        var subjects = (await second.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, Ct)).Select(s => s.Envelope!.Subject);
        Assert.Equal(["c0", "c2", "c4"], subjects);
    }

    [Fact]
    public async Task IDLE_sees_a_message_sent_through_the_REST_API_and_a_flag_set_through_REST()
    {
        var (account, rest) = await server.CreateSignedInAsync();
        var (_, sender) = await server.CreateSignedInAsync();
        using var client = await server.ConnectAsync(account.Address);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var flagged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult();
        inbox.MessageFlagsChanged += (_, e) =>
        {
            if (e.Flags.HasFlag(MessageFlags.Flagged))
                flagged.TrySetResult();
        };

        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token, Ct);
        var sent = await sender.PostJsonAsync("/v1/messages/send", new { to = new[] { new { address = account.Address } }, subject = "pushed", text = "Hello." });
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync(Ct));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        var list = await (await rest.GetAsync("/v1/search?q=subject:pushed", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var id = list.GetProperty("items")[0].GetProperty("id").GetInt64();
        (await rest.PatchJsonAsync($"/v1/messages/{id}", new { add_flags = new[] { "flagged" } })).EnsureSuccessStatusCode();
        await flagged.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await done.CancelAsync();
        await idle;
        Assert.Equal(1, inbox.Count);
    }
}
