using System.Text;
using Npgsql;
using RestMail.Grains.Delivery;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Blobs;
using RestMail.Storage.Mail;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Mailboxes;

public sealed class MailboxGrainTests(MailCluster cluster) : IClassFixture<MailCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BlobStore Blobs => cluster.GetSiloService<BlobStore>();

    private MailQueries Queries => cluster.GetSiloService<MailQueries>();

    private async Task<long> NewAccountAsync(long? quota = null, long? domainQuota = null, string? domain = null) =>
        await TestAccounts.CreateAsync(cluster.DataSource, $"u{Guid.NewGuid():N}@{domain ?? "example.test"}", quota, domainQuota);

    private async Task<DeliveryResult> DeliverAsync(long accountId, byte[] raw, FolderRole role = FolderRole.Inbox) =>
        await cluster.Grains.GetGrain<IMailboxGrain>(accountId).DeliverAsync(new DeliveryRequest
        {
            Content = await Blobs.StoreAsync(raw, Ct),
            Role = role,
        });

    /// <summary>The segments every one of <paramref name="contents"/> has.</summary>
    private static HashSet<byte[]> CommonSegments(StoredContent[] contents) =>
        contents.Skip(1).Aggregate(
            contents[0].Segments.ToHashSet(ByteArrayComparer.Instance), (common, c) => { common.IntersectWith(c.Segments); return common; });

    private async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var command = cluster.DataSource.CreateCommand(sql);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Concurrent_deliveries_get_unique_ascending_uids_and_exact_quota()
    {
        var account = await NewAccountAsync();
        var raws = Enumerable.Range(0, 200).Select(i => TestMessages.Plain($"Message {i}", new string('x', i * 13))).ToList();

        var results = await Task.WhenAll(raws.Select(raw => DeliverAsync(account, raw)));

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Stored, r.Status));
        var uids = results.Select(r => r.Uid).ToList();
        Assert.Equal(200, uids.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), uids.Order());
        // Commit order: a message stored later (higher id) never has a lower UID or MODSEQ.
        var byId = results.OrderBy(r => r.MessageId).ToList();
        Assert.Equal(byId.Select(r => r.Uid), byId.Select(r => r.Uid).Order());
        Assert.Equal(byId.Select(r => r.ModSeq), byId.Select(r => r.ModSeq).Order());

        var quota = await Queries.GetQuotaAsync(account, Ct);
        Assert.Equal(raws.Sum(r => (long)r.Length), quota!.UsedBytes);
        Assert.Equal(200, quota.MessageCount);
        var inbox = (await Queries.ListFoldersAsync(account, Ct)).Single(f => f.Role == FolderRole.Inbox);
        Assert.Equal(200, inbox.Total);
        Assert.Equal(200, inbox.Unread);
        Assert.Equal(201, inbox.UidNext);
        Assert.Equal(raws.Sum(r => (long)r.Length), inbox.SizeBytes);
    }

    [Fact]
    public async Task The_same_attachment_in_fifty_messages_is_stored_once_and_freed_when_all_are_deleted()
    {
        var account = await NewAccountAsync();
        var attachment = new byte[5 * 1024 * 1024];
        new Random(42).NextBytes(attachment);
        var raws = Enumerable.Range(0, 50).Select(i => TestMessages.WithAttachment($"Report {i}", attachment)).ToList();

        var results = new List<DeliveryResult>();
        foreach (var raw in raws)
            results.Add(await DeliverAsync(account, raw));
        Assert.All(results, r => Assert.Equal(DeliveryStatus.Stored, r.Status));

        // One blob holds the 5 MB attachment (base64: about 6.8 MB), referenced 50 times.
        var big = await ScalarAsync("SELECT count(*) FROM blobs WHERE size > 5000000");
        Assert.Equal(1, big);
        Assert.Equal(50, await ScalarAsync("SELECT refcount FROM blobs WHERE size > 5000000"));
        for (var i = 0; i < raws.Count; i++)
            Assert.Equal(raws[i], await Queries.GetRawAsync(account, results[i].MessageId, Ct));

        var quota = await Queries.GetQuotaAsync(account, Ct);
        Assert.Equal(raws.Sum(r => (long)r.Length), quota!.LogicalBytes);
        Assert.True(quota.StoredBytes < quota.LogicalBytes / 40, $"stored {quota.StoredBytes} of {quota.LogicalBytes}");

        var expunged = await cluster.Grains.GetGrain<IMailboxGrain>(account).ExpungeAsync([.. results.Select(r => r.MessageId)]);
        Assert.Equal(50, expunged.Changed.Count);
        Assert.Equal(0, await ScalarAsync("SELECT refcount FROM blobs WHERE size > 5000000"));
        await Blobs.CollectAsync(TimeSpan.Zero, Ct);
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM blobs WHERE size > 5000000"));
        Assert.Equal(0, (await Queries.GetQuotaAsync(account, Ct))!.UsedBytes);
    }

    [Theory]
    [InlineData("no headers at all, just text")]
    [InlineData("Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nunterminated")]
    [InlineData("Subject: =?bogus?Q?broken?=\nbare LF only\n\x01\x02\xff")]
    [InlineData("")]
    public async Task Malformed_mime_is_stored_and_returned_byte_exact(string text)
    {
        var account = await NewAccountAsync();
        var raw = Encoding.Latin1.GetBytes(text);
        var result = await DeliverAsync(account, raw);
        Assert.Equal(DeliveryStatus.Stored, result.Status);
        Assert.Equal(raw, await Queries.GetRawAsync(account, result.MessageId, Ct));
    }

    [Fact]
    public async Task Over_quota_delivery_stores_nothing()
    {
        var account = await NewAccountAsync(quota: 1000);
        var fits = await DeliverAsync(account, TestMessages.Plain("small"));
        Assert.Equal(DeliveryStatus.Stored, fits.Status);
        var before = await ScalarAsync("SELECT count(*) FROM messages WHERE account_id = $1", account);
        var changesBefore = await ScalarAsync("SELECT count(*) FROM changes WHERE account_id = $1", account);

        var tooBig = await DeliverAsync(account, TestMessages.Plain("big", new string('y', 2000)));

        Assert.Equal(DeliveryStatus.OverQuota, tooBig.Status);
        Assert.Equal(before, await ScalarAsync("SELECT count(*) FROM messages WHERE account_id = $1", account));
        Assert.Equal(changesBefore, await ScalarAsync("SELECT count(*) FROM changes WHERE account_id = $1", account));
        Assert.Equal(fits.ModSeq, await ScalarAsync("SELECT highest_modseq FROM accounts WHERE id = $1", account));
    }

    [Fact]
    public async Task Prepared_and_stored_copies_delivered_together_share_one_blob_per_segment()
    {
        var account = await NewAccountAsync();
        var attachment = new byte[20 * 1024];
        new Random(7).NextBytes(attachment);
        var raws = Enumerable.Range(0, 60).Select(i => TestMessages.WithAttachment($"Shared {i}", attachment)).ToList();

        // Half bring their bytes to the mailbox transaction (BlobStore.PrepareAsync), half were stored
        // first; concurrent, so batches mix both kinds over the same attachment blob.
        var contents = await Task.WhenAll(raws.Select((raw, i) => i % 2 == 0 ? Blobs.PrepareAsync(raw, Ct) : Blobs.StoreAsync(raw, Ct)));
        Assert.All(contents.Where((_, i) => i % 2 == 0), c => Assert.NotNull(c.UnstoredSegments));
        var mailbox = cluster.Grains.GetGrain<IMailboxGrain>(account);
        var results = await Task.WhenAll(contents.Select(c => mailbox.DeliverAsync(new DeliveryRequest { Content = c })));

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Stored, r.Status));
        for (var i = 0; i < raws.Count; i++)
            Assert.Equal(raws[i], await Queries.GetRawAsync(account, results[i].MessageId, Ct));
        // Segments every message has in common: one row each, counting every reference (a MIME part
        // such as the closing boundary is also in other tests' messages); the attachment's, these 60.
        var shared = CommonSegments(contents);
        Assert.NotEmpty(shared);
        foreach (var hash in shared)
        {
            Assert.Equal(
                await ScalarAsync("SELECT count(*) FROM messages m, unnest(m.segments) s(hash) WHERE s.hash = $1", hash),
                await ScalarAsync("SELECT refcount FROM blobs WHERE hash = $1", hash));
        }
        Assert.Equal(60, await ScalarAsync("SELECT refcount FROM blobs WHERE hash = ANY($1) AND size > 20480", (object)shared.ToArray()));
        Assert.Equal(raws.Sum(r => (long)r.Length), (await Queries.GetQuotaAsync(account, Ct))!.UsedBytes);
    }

    [Fact]
    public async Task Refused_prepared_deliveries_take_back_the_references_their_blob_insert_added()
    {
        var account = await NewAccountAsync();
        var attachment = new byte[8 * 1024];
        new Random(11).NextBytes(attachment);
        var raws = Enumerable.Range(0, 30).Select(i => TestMessages.WithAttachment($"Mixed {i}", attachment)).ToList();
        var contents = await Task.WhenAll(raws.Select(raw => Blobs.PrepareAsync(raw, Ct)));
        var mailbox = cluster.Grains.GetGrain<IMailboxGrain>(account);

        // Concurrent, so refused and stored deliveries share batches (and the attachment's blob row,
        // which each insert gives the references its batch is expected to add).
        var results = await Task.WhenAll(contents.Select((c, i) => mailbox.DeliverAsync(
            new DeliveryRequest { Content = c, FolderId = i % 3 == 0 ? long.MaxValue : null })));

        Assert.Equal(10, results.Count(r => r.Status == DeliveryStatus.FolderNotFound));
        Assert.Equal(20, results.Count(r => r.Status == DeliveryStatus.Stored));
        // Every blob's count is exactly the references stored messages make to it (a common MIME part
        // may also be in other tests' messages: all are counted).
        var wrong = await ScalarAsync("""
            SELECT count(*) FROM blobs b
            WHERE b.refcount <> (SELECT count(*) FROM messages m, unnest(m.segments) s(hash) WHERE s.hash = b.hash)
              AND b.hash IN (SELECT s.hash FROM messages m, unnest(m.segments) s(hash) WHERE m.account_id = $1)
            """, account);
        Assert.Equal(0, wrong);
        var shared = CommonSegments(contents);
        // The attachment (base64, larger than the 8 KB it encodes) is referenced by the 20 stored messages.
        Assert.Equal(20, await ScalarAsync("SELECT refcount FROM blobs WHERE hash = ANY($1) AND size > 8192", (object)shared.ToArray()));
        // The refused messages' own segments are left unreferenced, for the collector.
        foreach (var hash in contents.Where((_, i) => i % 3 == 0).SelectMany(c => c.Segments).Except(shared, ByteArrayComparer.Instance))
            Assert.Equal(0, await ScalarAsync("SELECT coalesce(max(refcount), 0) FROM blobs WHERE hash = $1", hash));
    }

    [Fact]
    public async Task A_prepared_message_for_two_mailboxes_is_stored_once_before_both_file_it()
    {
        var first = await NewAccountAsync();
        var second = await NewAccountAsync();
        var raw = TestMessages.Plain("to both", new string('m', 6000));
        var content = await Blobs.PrepareAsync(raw, Ct);
        Assert.NotNull(content.UnstoredSegments);

        var accepted = await cluster.Grains.GetGrain<IDeliveryGrain>(0).AcceptAsync(new InboundMessage
        {
            MailFrom = "someone@remote.test",
            Recipients = [await AddressOfAsync(first), await AddressOfAsync(second)],
            Content = content,
        });

        Assert.All(accepted.Recipients, r => Assert.Equal(RecipientStatus.Delivered, r.Status));
        foreach (var r in accepted.Recipients)
            Assert.Equal(raw, await Queries.GetRawAsync(r.AccountId!.Value, r.MessageId!.Value, Ct));
        foreach (var hash in content.Segments)
            Assert.Equal(2, await ScalarAsync("SELECT refcount FROM blobs WHERE hash = $1", hash));
    }

    [Fact]
    public async Task Deliveries_one_after_another_keep_uids_modseqs_and_usage_exact()
    {
        var account = await NewAccountAsync();
        var mailbox = cluster.Grains.GetGrain<IMailboxGrain>(account);
        var results = new List<DeliveryResult>();
        long size = 0;
        for (var i = 0; i < 20; i++)
        {
            var raw = TestMessages.Plain($"In turn {i}", new string('t', i * 7));
            size += raw.Length;
            results.Add(await mailbox.DeliverAsync(new DeliveryRequest { Content = await Blobs.PrepareAsync(raw, Ct) }));
            if (i == 9)
                Assert.Equal(FolderStatus.Ok, (await mailbox.CreateFolderAsync($"Midway {Guid.NewGuid():N}", FolderRole.None)).Status);
        }

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Stored, r.Status));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), results.Select(r => r.Uid));
        Assert.Equal(results.Select(r => r.ModSeq).Order(), results.Select(r => r.ModSeq));
        Assert.Equal(results[^1].ModSeq, await ScalarAsync("SELECT highest_modseq FROM accounts WHERE id = $1", account));
        Assert.Equal(size, await ScalarAsync("SELECT used_bytes FROM accounts WHERE id = $1", account));
        Assert.Equal(20, await ScalarAsync("SELECT count(*) FROM changes WHERE account_id = $1 AND kind = 1", account));
    }

    [Fact]
    public async Task A_grain_that_knows_its_account_notices_another_writer_and_a_new_quota()
    {
        var account = await NewAccountAsync();
        var mailbox = cluster.Grains.GetGrain<IMailboxGrain>(account);
        var first = await mailbox.DeliverAsync(new DeliveryRequest { Content = await Blobs.PrepareAsync(TestMessages.Plain("first"), Ct) });

        // Another writer (say a second activation during a cluster split) moved the account on.
        await ScalarAsync("UPDATE accounts SET highest_modseq = highest_modseq + 5 WHERE id = $1 RETURNING 0", account);
        var second = await mailbox.DeliverAsync(new DeliveryRequest { Content = await Blobs.PrepareAsync(TestMessages.Plain("second"), Ct) });
        Assert.Equal(DeliveryStatus.Stored, second.Status);
        Assert.Equal(first.ModSeq + 6, second.ModSeq);

        // An administrator set a quota the next message no longer fits: refused, nothing stored.
        await ScalarAsync("UPDATE accounts SET quota_bytes = used_bytes + 100 WHERE id = $1 RETURNING 0", account);
        var third = await mailbox.DeliverAsync(new DeliveryRequest { Content = await Blobs.PrepareAsync(TestMessages.Plain("third", new string('x', 500)), Ct) });
        Assert.Equal(DeliveryStatus.OverQuota, third.Status);
        Assert.Equal(2, await ScalarAsync("SELECT count(*) FROM messages WHERE account_id = $1", account));
        Assert.Equal(second.ModSeq, await ScalarAsync("SELECT highest_modseq FROM accounts WHERE id = $1", account));
    }

    [Fact]
    public async Task A_prepared_message_refused_for_quota_leaves_no_blob_behind()
    {
        var account = await NewAccountAsync(quota: 1000);
        var content = await Blobs.PrepareAsync(TestMessages.Plain("big", new string('q', 2000)), Ct);

        var result = await cluster.Grains.GetGrain<IMailboxGrain>(account).DeliverAsync(new DeliveryRequest { Content = content });

        Assert.Equal(DeliveryStatus.OverQuota, result.Status);
        await using var command = cluster.DataSource.CreateCommand("SELECT count(*) FROM blobs WHERE hash = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = content.Segments.ToArray() });
        Assert.Equal(0L, await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Domain_quota_counts_every_account_of_the_domain()
    {
        var domain = $"d{Guid.NewGuid():N}.test";
        var first = await NewAccountAsync(domainQuota: 1500, domain: domain);
        var second = await NewAccountAsync(domain: domain);
        Assert.Equal(DeliveryStatus.Stored, (await DeliverAsync(first, TestMessages.Plain("one", new string('a', 500)))).Status);
        Assert.Equal(DeliveryStatus.OverQuota, (await DeliverAsync(second, TestMessages.Plain("two", new string('b', 900)))).Status);
        var quota = await Queries.GetQuotaAsync(second, Ct);
        Assert.Equal(1500, quota!.DomainLimitBytes);
        Assert.Equal(0, quota.UsedBytes);
        Assert.True(quota.DomainUsedBytes > 500);
    }

    [Fact]
    public async Task Flags_moves_copies_and_expunges_are_logged_with_rising_modseq()
    {
        var account = await NewAccountAsync();
        var grain = cluster.Grains.GetGrain<IMailboxGrain>(account);
        var folders = await Queries.ListFoldersAsync(account, Ct);
        var archive = folders.Single(f => f.Role == FolderRole.Archive).Id;
        var delivered = await DeliverAsync(account, TestMessages.Plain("to be handled"));

        var flagged = await grain.SetFlagsAsync(new FlagUpdate { MessageIds = [delivered.MessageId], Add = MessageFlags.Seen | MessageFlags.Flagged, AddKeywords = ["$label1", "bad keyword"] });
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, Assert.Single(flagged.Changed).Flags);
        Assert.Equal(["$label1"], flagged.Changed[0].Keywords);
        var noop = await grain.SetFlagsAsync(new FlagUpdate { MessageIds = [delivered.MessageId], Add = MessageFlags.Seen });
        Assert.Empty(noop.Changed);

        var moved = await grain.MoveAsync([delivered.MessageId], archive);
        Assert.Equal(1, Assert.Single(moved.Changed).Uid);
        var copied = await grain.CopyAsync([delivered.MessageId], folders.Single(f => f.Role == FolderRole.Inbox).Id);
        var copy = Assert.Single(copied.Changed);
        Assert.NotEqual(delivered.MessageId, copy.MessageId);
        Assert.Equal(2, copy.Uid);
        var expunged = await grain.ExpungeAsync([copy.MessageId]);
        Assert.Single(expunged.Changed);

        var feed = await Queries.GetChangesAsync(account, 0, 100, Ct);
        Assert.Equal([ChangeKind.Added, ChangeKind.FlagsChanged, ChangeKind.Moved, ChangeKind.Added, ChangeKind.Expunged], feed.Changes.Select(c => c.Kind));
        Assert.Equal(feed.Changes.Select(c => c.ModSeq), feed.Changes.Select(c => c.ModSeq).Order());
        Assert.Equal(feed.HighestModSeq, feed.Changes[^1].ModSeq);
        var since = await Queries.GetChangesAsync(account, feed.Changes[2].ModSeq, 100, Ct);
        Assert.Equal(2, since.Changes.Count);

        var after = await Queries.ListFoldersAsync(account, Ct);
        Assert.Equal(1, after.Single(f => f.Id == archive).Total);
        Assert.Equal(0, after.Single(f => f.Role == FolderRole.Inbox).Total);
        Assert.Equal(0, after.Single(f => f.Id == archive).Unread);
    }

    [Fact]
    public async Task Another_accounts_message_ids_are_not_found_and_not_touched()
    {
        var owner = await NewAccountAsync();
        var intruder = await NewAccountAsync();
        var message = await DeliverAsync(owner, TestMessages.Plain("private"));
        var grain = cluster.Grains.GetGrain<IMailboxGrain>(intruder);

        Assert.Equal([message.MessageId], (await grain.SetFlagsAsync(new FlagUpdate { MessageIds = [message.MessageId], Add = MessageFlags.Deleted })).NotFound);
        Assert.Equal([message.MessageId], (await grain.ExpungeAsync([message.MessageId])).NotFound);
        Assert.Null(await Queries.GetMessageAsync(intruder, message.MessageId, Ct));
        Assert.Null(await Queries.GetRawAsync(intruder, message.MessageId, Ct));
        var stored = await Queries.GetMessageAsync(owner, message.MessageId, Ct);
        Assert.Equal(MessageFlags.None, stored!.Flags);
    }

    [Fact]
    public async Task Replies_join_the_thread_of_the_message_they_answer()
    {
        var account = await NewAccountAsync();
        var original = await DeliverAsync(account, TestMessages.Plain("Plans", extraHeaders: "", from: "a@remote.test"));
        var header = (await Queries.GetMessageAsync(account, original.MessageId, Ct))!.MessageIdHeader;
        var reply = await DeliverAsync(account, TestMessages.Plain("Re: Plans", extraHeaders: $"In-Reply-To: <{header}>\r\nReferences: <{header}>\r\n"));
        var unrelated = await DeliverAsync(account, TestMessages.Plain("Other"));

        var replyRow = await Queries.GetMessageAsync(account, reply.MessageId, Ct);
        Assert.Equal(original.MessageId, replyRow!.ThreadId);
        Assert.Equal(unrelated.MessageId, (await Queries.GetMessageAsync(account, unrelated.MessageId, Ct))!.ThreadId);
    }

    [Fact]
    public async Task Search_finds_by_field_and_list_pages_with_a_cursor()
    {
        var account = await NewAccountAsync();
        for (var i = 0; i < 7; i++)
            await DeliverAsync(account, TestMessages.Plain($"Invoice {i}", i % 2 == 0 ? "quarterly numbers" : "nothing here", from: $"billing{i}@shop.test"));

        var inbox = (await Queries.ListFoldersAsync(account, Ct)).Single(f => f.Role == FolderRole.Inbox).Id;
        var first = await Queries.ListMessagesAsync(account, inbox, new MessageListQuery(Limit: 3), Ct);
        var second = await Queries.ListMessagesAsync(account, inbox, new MessageListQuery(Limit: 3, Cursor: first.NextCursor), Ct);
        var third = await Queries.ListMessagesAsync(account, inbox, new MessageListQuery(Limit: 3, Cursor: second.NextCursor), Ct);
        var all = first.Items.Concat(second.Items).Concat(third.Items).Select(m => m.Id).ToList();
        Assert.Equal(7, all.Distinct().Count());
        Assert.Null(third.NextCursor);
        await Assert.ThrowsAsync<InvalidQueryException>(() => Queries.ListMessagesAsync(account, inbox, new MessageListQuery(Cursor: "garbage!"), Ct));

        Assert.Equal(4, (await Queries.SearchAsync(account, "quarterly", new MessageListQuery(), Ct)).Items.Count);
        Assert.Single((await Queries.SearchAsync(account, "from:billing3", new MessageListQuery(), Ct)).Items);
        Assert.Equal(7, (await Queries.SearchAsync(account, "subject:invoice is:unread", new MessageListQuery(), Ct)).Items.Count);
        Assert.Empty((await Queries.SearchAsync(account, "subject:quarterly", new MessageListQuery(), Ct)).Items);
        Assert.Equal(7, (await Queries.SearchAsync(account, "in:inbox", new MessageListQuery(), Ct)).Items.Count);
        await Assert.ThrowsAsync<InvalidQueryException>(() => Queries.SearchAsync(account, "before:yesterday", new MessageListQuery(), Ct));
    }

    [Fact]
    public async Task Folders_are_created_renamed_and_deleted_with_their_messages()
    {
        var account = await NewAccountAsync();
        var grain = cluster.Grains.GetGrain<IMailboxGrain>(account);
        var created = await grain.CreateFolderAsync("Projects/2026", FolderRole.None);
        Assert.Equal(FolderStatus.Ok, created.Status);
        Assert.Equal(FolderStatus.NameTaken, (await grain.CreateFolderAsync("Projects/2026", FolderRole.None)).Status);
        Assert.Equal(FolderStatus.InvalidName, (await grain.CreateFolderAsync("inbox", FolderRole.None)).Status);
        Assert.Equal(FolderStatus.InvalidName, (await grain.CreateFolderAsync("", FolderRole.None)).Status);
        var inbox = (await Queries.ListFoldersAsync(account, Ct)).Single(f => f.Role == FolderRole.Inbox).Id;
        Assert.Equal(FolderStatus.Protected, (await grain.RenameFolderAsync(inbox, "Old")).Status);
        Assert.Equal(FolderStatus.Protected, (await grain.DeleteFolderAsync(inbox)).Status);
        Assert.Equal(FolderStatus.Ok, (await grain.RenameFolderAsync(created.FolderId, "Projects/2027")).Status);

        var stored = await cluster.Grains.GetGrain<IMailboxGrain>(account).DeliverAsync(new DeliveryRequest
        {
            Content = await Blobs.StoreAsync(TestMessages.Plain("filed"), Ct),
            FolderId = created.FolderId,
        });
        Assert.Equal(DeliveryStatus.Stored, stored.Status);
        Assert.Equal(FolderStatus.Ok, (await grain.DeleteFolderAsync(created.FolderId)).Status);
        Assert.Null(await Queries.GetFolderAsync(account, created.FolderId, Ct));
        Assert.Equal(0, (await Queries.GetQuotaAsync(account, Ct))!.UsedBytes);
    }

    [Fact]
    public async Task Observers_hear_about_commits()
    {
        var account = await NewAccountAsync();
        var observer = new RecordingObserver();
        var reference = cluster.Grains.CreateObjectReference<IMailboxObserver>(observer);
        await cluster.Grains.GetGrain<IMailboxGrain>(account).SubscribeAsync(reference);

        var delivered = await DeliverAsync(account, TestMessages.Plain("push"));

        Assert.Equal(delivered.ModSeq, await observer.Next.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task The_acceptance_path_delivers_locally_queues_remote_and_refuses_relay()
    {
        var sender = await NewAccountAsync();
        var recipient = await NewAccountAsync();
        var senderAddress = await AddressOfAsync(sender);
        var recipientAddress = await AddressOfAsync(recipient);
        var content = await Blobs.StoreAsync(TestMessages.Plain("hello world"), Ct);
        var delivery = cluster.Grains.GetGrain<IDeliveryGrain>(0);

        var sent = await delivery.AcceptAsync(new InboundMessage
        {
            MailFrom = senderAddress,
            Recipients = [recipientAddress, "nobody@example.test", "friend@elsewhere.test"],
            Content = content,
            Source = MessageSource.Api,
            SenderAccountId = sender,
        });
        Assert.Equal([RecipientStatus.Delivered, RecipientStatus.UnknownRecipient, RecipientStatus.Queued], sent.Recipients.Select(r => r.Status));
        Assert.NotNull(sent.SentCopyMessageId);
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM outbound_queue WHERE id = $1", sent.QueueId!.Value));

        var relay = await delivery.AcceptAsync(new InboundMessage
        {
            MailFrom = "spammer@bad.test",
            Recipients = ["victim@elsewhere.test"],
            Content = content,
            Source = MessageSource.Smtp,
        });
        Assert.Equal(RecipientStatus.Rejected, Assert.Single(relay.Recipients).Status);
    }

    [Fact]
    public async Task After_pruning_the_change_log_asks_older_readers_to_resync()
    {
        var account = await NewAccountAsync();
        var first = await DeliverAsync(account, TestMessages.Plain("old"));
        await DeliverAsync(account, TestMessages.Plain("older still in log"));

        Assert.True(await cluster.GetSiloService<ChangeLogPruner>().PruneAsync(TimeSpan.Zero, Ct) >= 2);
        var third = await DeliverAsync(account, TestMessages.Plain("new"));

        Assert.True((await Queries.GetChangesAsync(account, first.ModSeq, 100, Ct)).ResyncRequired);
        var current = await Queries.GetChangesAsync(account, third.ModSeq - 1, 100, Ct);
        Assert.False(current.ResyncRequired);
        Assert.Equal(third.MessageId, Assert.Single(current.Changes).MessageId);
    }

    [Fact]
    public async Task Domain_settings_survive_deactivation_in_postgres()
    {
        var name = $"settings{Guid.NewGuid():N}.test";
        var grain = cluster.Grains.GetGrain<Grains.Domains.IDomainGrain>(name);
        await grain.UpdateSettingsAsync(new Grains.Domains.DomainSettings { MaxMessageBytes = 1234, CatchAllAddress = $"all@{name}" });
        await cluster.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, Ct);

        var settings = await cluster.Grains.GetGrain<Grains.Domains.IDomainGrain>(name).GetSettingsAsync();
        Assert.Equal(1234, settings.MaxMessageBytes);
        // The state went through the ADO.NET provider into PostgreSQL, not into memory.
        Assert.True(await ScalarAsync("SELECT count(*) FROM orleans_grain_state WHERE payload IS NOT NULL") > 0);
    }

    [Fact]
    public async Task The_acceptance_path_honours_catch_all_and_the_domain_size_limit()
    {
        var domain = $"catch{Guid.NewGuid():N}.test";
        var catchAll = await NewAccountAsync(domain: domain);
        var catchAllAddress = await AddressOfAsync(catchAll);
        var settings = cluster.Grains.GetGrain<Grains.Domains.IDomainGrain>(domain);
        await settings.UpdateSettingsAsync(new Grains.Domains.DomainSettings { CatchAllAddress = catchAllAddress, MaxMessageBytes = 2000 });
        var delivery = cluster.Grains.GetGrain<IDeliveryGrain>(0);

        var small = await delivery.AcceptAsync(new InboundMessage
        {
            MailFrom = "someone@remote.test",
            Recipients = [$"nobody@{domain}"],
            Content = await Blobs.StoreAsync(TestMessages.Plain("to anyone"), Ct),
        });
        var delivered = Assert.Single(small.Recipients);
        Assert.Equal((RecipientStatus.Delivered, catchAll), (delivered.Status, delivered.AccountId!.Value));

        var big = await delivery.AcceptAsync(new InboundMessage
        {
            MailFrom = "someone@remote.test",
            Recipients = [catchAllAddress],
            Content = await Blobs.StoreAsync(TestMessages.Plain("too big", new string('z', 3000)), Ct),
        });
        Assert.Equal(RecipientStatus.Rejected, Assert.Single(big.Recipients).Status);
        Assert.Equal(1, (await Queries.GetQuotaAsync(catchAll, Ct))!.MessageCount);
    }

    [Fact]
    public async Task A_recipient_the_gateway_resolved_goes_to_that_account_under_the_domain_limit()
    {
        var domain = $"resolved{Guid.NewGuid():N}.test";
        var catchAll = await NewAccountAsync(domain: domain);
        var target = await NewAccountAsync(domain: domain);
        await cluster.Grains.GetGrain<Grains.Domains.IDomainGrain>(domain).UpdateSettingsAsync(
            new Grains.Domains.DomainSettings { CatchAllAddress = await AddressOfAsync(catchAll), MaxMessageBytes = 2000 });
        var delivery = cluster.Grains.GetGrain<IDeliveryGrain>(0);
        var resolved = new Dictionary<string, long> { [$"nobody@{domain}"] = target };

        // The directory would send this address to the catch-all; the gateway's answer at RCPT wins.
        var small = await delivery.AcceptAsync(new InboundMessage
        {
            MailFrom = "someone@remote.test",
            Recipients = [$"nobody@{domain}"],
            Content = await Blobs.StoreAsync(TestMessages.Plain("resolved at RCPT"), Ct),
            ResolvedRecipients = resolved,
        });
        var delivered = Assert.Single(small.Recipients);
        Assert.Equal((RecipientStatus.Delivered, target), (delivered.Status, delivered.AccountId!.Value));

        var big = await delivery.AcceptAsync(new InboundMessage
        {
            MailFrom = "someone@remote.test",
            Recipients = [$"nobody@{domain}"],
            Content = await Blobs.StoreAsync(TestMessages.Plain("too big", new string('z', 3000)), Ct),
            ResolvedRecipients = resolved,
        });
        Assert.Equal(RecipientStatus.Rejected, Assert.Single(big.Recipients).Status);
        Assert.Equal(1, (await Queries.GetQuotaAsync(target, Ct))!.MessageCount);
        Assert.Equal(0, (await Queries.GetQuotaAsync(catchAll, Ct))!.MessageCount);
    }

    private async Task<string> AddressOfAsync(long accountId)
    {
        await using var command = cluster.DataSource.CreateCommand("SELECT address FROM accounts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        return (string)(await command.ExecuteScalarAsync(Ct))!;
    }

    private sealed class RecordingObserver : IMailboxObserver
    {
        public TaskCompletionSource<long> Next { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task OnChanged(long highestModSeq)
        {
            Next.TrySetResult(highestModSeq);
            return Task.CompletedTask;
        }
    }
}
