using Npgsql;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Blobs;
using RestMail.Storage.Mail;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Mailboxes;

/// <summary>
/// The all-text search vector is written after the delivery commits (0010_search_after_commit.sql):
/// in the background, and by a search for its own account before it runs.
/// </summary>
public sealed class SearchIndexerTests(MailCluster cluster) : IClassFixture<MailCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private MailQueries Queries => cluster.GetSiloService<MailQueries>();

    private async Task<long> NewAccountAsync() =>
        await TestAccounts.CreateAsync(cluster.DataSource, $"u{Guid.NewGuid():N}@example.test", null, null);

    private Task<DeliveryResult> DeliverAsync(long accountId, string subject, string body) =>
        DeliverAsync(accountId, TestMessages.Plain(subject, body));

    private async Task<DeliveryResult> DeliverAsync(long accountId, byte[] raw)
    {
        var result = await cluster.Grains.GetGrain<IMailboxGrain>(accountId).DeliverAsync(new DeliveryRequest
        {
            Content = await cluster.GetSiloService<BlobStore>().StoreAsync(raw, Ct),
        });
        Assert.Equal(DeliveryStatus.Stored, result.Status);
        return result;
    }

    private async Task<long> CountAsync(string sql, long accountId)
    {
        await using var command = cluster.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private Task<long> PendingAsync(long accountId) => CountAsync("SELECT count(*) FROM search_pending WHERE account_id = $1", accountId);

    private Task<long> IndexedAsync(long accountId) => CountAsync("SELECT count(*) FROM message_search WHERE account_id = $1", accountId);

    private async Task<int> FoundAsync(long accountId, string q) =>
        (await Queries.SearchAsync(accountId, q, new MessageListQuery(Limit: 500), Ct)).Items.Count;

    private async Task IndexedByBackgroundAsync(long accountId, long count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await IndexedAsync(accountId) < count || await PendingAsync(accountId) > 0) && DateTime.UtcNow < deadline)
            await Task.Delay(50, Ct);
    }

    [Fact]
    public async Task A_delivered_message_is_indexed_in_the_background_without_any_search()
    {
        var account = await NewAccountAsync();
        await DeliverAsync(account, "Hello", "background words");

        await IndexedByBackgroundAsync(account, 1);

        Assert.Equal(1, await IndexedAsync(account));
        Assert.Equal(0, await PendingAsync(account));
    }

    [Fact]
    public async Task A_search_right_after_a_burst_finds_every_message_of_it()
    {
        var account = await NewAccountAsync();
        // More than one indexing batch (256), delivered concurrently, searched at once.
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => DeliverAsync(account, $"Burst {i}", i % 3 == 0 ? "pelican report" : "nothing")));

        Assert.Equal(100, await FoundAsync(account, "pelican"));
        Assert.Equal(100, await FoundAsync(account, "pelican report"));
        Assert.Equal(0, await PendingAsync(account));
        Assert.Equal(300, await IndexedAsync(account));
    }

    [Fact]
    public async Task Body_words_subject_and_addresses_are_all_found_as_bare_words()
    {
        var account = await NewAccountAsync();
        await DeliverAsync(account, "Quarterly flamingo", "The walrus is in the body.");

        Assert.Equal(1, await FoundAsync(account, "walrus"));
        Assert.Equal(1, await FoundAsync(account, "flamingo"));
        // TestMessages.Plain's sender: whole and split at '@'.
        Assert.Equal(1, await FoundAsync(account, "sender@remote.test"));
        Assert.Equal(1, await FoundAsync(account, "remote.test"));
        Assert.Equal(0, await FoundAsync(account, "narwhal"));
    }

    [Fact]
    public async Task A_message_with_nul_characters_is_stored_and_indexed_like_any_other()
    {
        var account = await NewAccountAsync();
        // Quoted-printable =00 (body and encoded-word subject) decodes to NUL, which PostgreSQL text cannot hold.
        var raw = System.Text.Encoding.ASCII.GetBytes(
            "From: <a@remote.test>\r\nTo: <b@example.test>\r\nSubject: =?utf-8?q?zebu=00gnu?=\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nbefore=00after tapir\r\n");
        await DeliverAsync(account, raw);

        Assert.Equal(1, await FoundAsync(account, "tapir"));
        Assert.Equal(1, await FoundAsync(account, "after"));
        Assert.Equal(1, await FoundAsync(account, "subject:zebu"));
        Assert.Equal(1, await FoundAsync(account, "gnu"));
        Assert.Equal(0, await PendingAsync(account));
    }

    [Fact]
    public async Task A_copy_is_found_and_an_expunged_message_leaves_no_search_rows()
    {
        var account = await NewAccountAsync();
        var grain = cluster.Grains.GetGrain<IMailboxGrain>(account);
        var delivered = await DeliverAsync(account, "Copy me", "okapi");
        var archive = (await grain.CreateFolderAsync("Kept", FolderRole.None)).FolderId;
        var copy = (await grain.CopyAsync([delivered.MessageId], archive)).Changed.Single();

        Assert.Equal(2, await FoundAsync(account, "okapi"));

        await grain.ExpungeAsync([delivered.MessageId, copy.MessageId]);
        Assert.Equal(0, await FoundAsync(account, "okapi"));
        Assert.Equal(0, await IndexedAsync(account));
        Assert.Equal(0, await PendingAsync(account));
    }

    [Fact]
    public async Task An_unreadable_message_is_left_out_without_holding_up_the_others()
    {
        var account = await NewAccountAsync();
        var good = await DeliverAsync(account, "Fine", "capybara");
        var broken = await DeliverAsync(account, "Broken", "capybara");
        // Once both are indexed, both pending again and the second one damaged by hand: it names a
        // blob that does not exist, so it cannot be read back. (Waiting first keeps the background
        // pass from indexing the undamaged copy while this runs.)
        await IndexedByBackgroundAsync(account, 2);
        await using (var damage = cluster.DataSource.CreateCommand("""
            WITH unindexed AS (DELETE FROM message_search WHERE message_id = ANY($1)),
                 pending AS (INSERT INTO search_pending (message_id, account_id) SELECT unnest($1), $2 ON CONFLICT DO NOTHING)
            UPDATE messages SET segments = ARRAY['\x00'::bytea] WHERE id = $3
            """))
        {
            damage.Parameters.Add(new NpgsqlParameter { Value = new[] { good.MessageId, broken.MessageId } });
            damage.Parameters.Add(new NpgsqlParameter { Value = account });
            damage.Parameters.Add(new NpgsqlParameter { Value = broken.MessageId });
            await damage.ExecuteNonQueryAsync(Ct);
        }

        var found = (await Queries.SearchAsync(account, "capybara", new MessageListQuery(), Ct)).Items;

        Assert.Equal([good.MessageId], found.Select(m => m.Id));
        Assert.Equal(0, await PendingAsync(account));
    }
}
