using System.Globalization;
using System.Text.RegularExpressions;
using MailKit;
using Npgsql;

namespace RestMail.Tests.Imap;

/// <summary>CONDSTORE and QRESYNC (RFC 7162) from the MODSEQ change log.</summary>
public sealed partial class ImapCondStoreTests(ImapServer server) : IClassFixture<ImapServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"\[HIGHESTMODSEQ (\d+)\]")]
    private static partial Regex HighestModSeqCode();

    [GeneratedRegex(@"MODSEQ \((\d+)\)")]
    private static partial Regex FetchModSeq();

    private static long Number(Regex regex, IEnumerable<string> lines) =>
        long.Parse(lines.Select(l => regex.Match(l)).First(m => m.Success).Groups[1].Value, CultureInfo.InvariantCulture);

    private async Task<string> AccountWithMessagesAsync(int count)
    {
        var account = await server.CreateAccountAsync();
        for (var i = 1; i <= count; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"message {i}"));
        return account.Address;
    }

    [Fact]
    public async Task HIGHESTMODSEQ_FETCH_CHANGEDSINCE_SEARCH_MODSEQ_and_STORE_UNCHANGEDSINCE_follow_the_log()
    {
        var address = await AccountWithMessagesAsync(3);
        await using var client = await server.LoginRawAsync(address);
        var select = await client.CommandAsync("s", "SELECT INBOX (CONDSTORE)");
        var selected = Number(HighestModSeqCode(), select);
        var status = await client.CommandAsync("t", "STATUS INBOX (MESSAGES HIGHESTMODSEQ)");
        Assert.Equal($"* STATUS \"INBOX\" (MESSAGES 3 HIGHESTMODSEQ {selected})", status[0]);

        var store = await client.CommandAsync("a", "STORE 2 +FLAGS (\\Flagged)");
        var flagged = Number(FetchModSeq(), store);
        Assert.True(flagged > selected);
        Assert.Equal([$"* 2 FETCH (FLAGS (\\Flagged) MODSEQ ({flagged}))", "a OK STORE completed"], store);

        Assert.Equal([$"* 2 FETCH (FLAGS (\\Flagged) MODSEQ ({flagged}))", "b OK FETCH completed"],
            await client.CommandAsync("b", $"FETCH 1:* (FLAGS) (CHANGEDSINCE {selected})"));
        Assert.Equal(["c OK FETCH completed"], await client.CommandAsync("c", $"FETCH 1:* (FLAGS) (CHANGEDSINCE {flagged})"));
        Assert.Equal([$"* SEARCH 2 (MODSEQ {flagged})", "d OK SEARCH completed"], await client.CommandAsync("d", $"SEARCH MODSEQ {flagged}"));
        Assert.Equal([$"* SEARCH 2 (MODSEQ {flagged})", "e OK SEARCH completed"], await client.CommandAsync("e", $"SEARCH MODSEQ \"/flags/\\\\flagged\" all {flagged}"));

        // Message 2 changed after `selected`: not stored, named in MODIFIED; message 1 is stored.
        var conditional = await client.CommandAsync("f", $"STORE 1:2 (UNCHANGEDSINCE {selected}) +FLAGS (\\Seen)");
        Assert.Matches(@"^\* 1 FETCH \(FLAGS \(\\Seen\) MODSEQ \(\d+\)\)$", conditional[0]);
        Assert.Equal("f OK [MODIFIED 2] Conditional STORE failed for some messages", conditional[^1]);
        var after = await client.CommandAsync("g", "STATUS INBOX (HIGHESTMODSEQ)");
        Assert.Equal($"* STATUS \"INBOX\" (HIGHESTMODSEQ {Number(FetchModSeq(), conditional)})", after[0]);
    }

    [Fact]
    public async Task With_QRESYNC_removals_are_VANISHED_and_UID_FETCH_CHANGEDSINCE_VANISHED_reports_them_EARLIER()
    {
        var address = await AccountWithMessagesAsync(4);
        await using var watcher = await server.LoginRawAsync(address);
        Assert.Equal(["* ENABLED QRESYNC", "q OK ENABLE completed"], await watcher.CommandAsync("q", "ENABLE QRESYNC"));
        var since = Number(HighestModSeqCode(), await watcher.CommandAsync("s", "SELECT INBOX"));

        await using var other = await server.LoginRawAsync(address);
        await other.CommandAsync("s", "SELECT INBOX");
        await other.CommandAsync("a", "STORE 2,3 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* 3 EXPUNGE", "* 2 EXPUNGE", "b OK EXPUNGE completed"], await other.CommandAsync("b", "EXPUNGE"));

        var noop = await watcher.CommandAsync("n", "NOOP");
        Assert.Equal(["* VANISHED 2", "* VANISHED 3", "n OK NOOP completed"], noop);
        Assert.Equal(["* VANISHED (EARLIER) 2:3", "v OK FETCH completed"], await watcher.CommandAsync("v", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {since} VANISHED)"));
        Assert.Equal(["* VANISHED (EARLIER) 3", "w OK FETCH completed"], await watcher.CommandAsync("w", $"UID FETCH 3:4 (FLAGS) (CHANGEDSINCE {since} VANISHED)"));
        Assert.StartsWith("x BAD", (await watcher.CommandAsync("x", $"FETCH 1:* (FLAGS) (CHANGEDSINCE {since} VANISHED)"))[^1], StringComparison.Ordinal);

        // The session's own EXPUNGE is VANISHED too.
        await watcher.CommandAsync("d", "UID STORE 4 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* VANISHED 4", "e OK EXPUNGE completed"], await watcher.CommandAsync("e", "EXPUNGE"));
    }

    [Fact]
    public async Task SELECT_QRESYNC_reports_what_was_missed_and_falls_back_to_known_UIDs_past_the_log_floor()
    {
        var account = await server.CreateAccountAsync();
        for (var i = 1; i <= 4; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"message {i}"));
        await using var client = await server.LoginRawAsync(account.Address);
        var select = await client.CommandAsync("s", "SELECT INBOX");
        var since = Number(HighestModSeqCode(), select);
        var uidValidity = Regex.Match(string.Join('\n', select), @"\[UIDVALIDITY (\d+)\]").Groups[1].Value;
        await client.CommandAsync("a", "STORE 1 +FLAGS (\\Answered)");
        await client.CommandAsync("b", "STORE 2 +FLAGS.SILENT (\\Deleted)");
        await client.CommandAsync("c", "EXPUNGE");
        await client.CommandAsync("u", "UNSELECT");

        Assert.StartsWith("d BAD", (await client.CommandAsync("d", $"SELECT INBOX (QRESYNC ({uidValidity} {since}))"))[^1], StringComparison.Ordinal);
        await client.CommandAsync("q", "ENABLE QRESYNC");
        var resync = await client.CommandAsync("e", $"SELECT INBOX (QRESYNC ({uidValidity} {since} 1:4))");
        Assert.Contains("* VANISHED (EARLIER) 2", resync);
        Assert.Single(resync, l => l.Contains(" FETCH ", StringComparison.Ordinal));
        Assert.Matches(@"^\* 1 FETCH \(UID 1 FLAGS \(\\Answered\) MODSEQ \(\d+\)\)$", resync.Single(l => l.Contains(" FETCH ", StringComparison.Ordinal)));
        Assert.Equal("e OK [READ-WRITE] SELECT completed", resync[^1]);

        // A wrong UIDVALIDITY: the client must start over, nothing is reported.
        var stale = await client.CommandAsync("f", $"SELECT INBOX (QRESYNC (1 {since} 1:4))");
        Assert.DoesNotContain(stale, l => l.StartsWith("* VANISHED", StringComparison.Ordinal));

        // The log no longer reaches back: every known UID that is not in the folder is VANISHED.
        await using (var command = server.DataSource.CreateCommand("UPDATE accounts SET changes_floor = highest_modseq WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = account.Id });
            await command.ExecuteNonQueryAsync(Ct);
        }
        var fallback = await client.CommandAsync("g", $"SELECT INBOX (QRESYNC ({uidValidity} {since} 1:9))");
        Assert.Contains("* VANISHED (EARLIER) 2", fallback);
    }

    [Fact]
    public async Task SELECT_QRESYNC_sequence_match_data_spares_UIDs_the_client_knows_are_gone_past_the_log_floor()
    {
        var account = await server.CreateAccountAsync();
        for (var i = 1; i <= 5; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"message {i}"));
        await using var client = await server.LoginRawAsync(account.Address);
        await client.CommandAsync("q", "ENABLE QRESYNC");
        // The client's cache: UID 2 went before it synchronised, so it holds 1, 3, 4, 5 as numbers 1 to 4.
        await client.CommandAsync("s", "SELECT INBOX");
        await client.CommandAsync("a", "UID STORE 2 +FLAGS.SILENT (\\Deleted)");
        await client.CommandAsync("b", "EXPUNGE");
        var status = await client.CommandAsync("t", "STATUS INBOX (HIGHESTMODSEQ UIDVALIDITY)");
        var since = long.Parse(Regex.Match(status[0], @"HIGHESTMODSEQ (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var uidValidity = Regex.Match(status[0], @"UIDVALIDITY (\d+)").Groups[1].Value;
        // Then UID 5 goes while the client is away, and the change log is trimmed past its MODSEQ.
        await client.CommandAsync("c", "UID STORE 5 +FLAGS.SILENT (\\Deleted)");
        await client.CommandAsync("d", "EXPUNGE");
        await client.CommandAsync("u", "UNSELECT");
        await using (var command = server.DataSource.CreateCommand("UPDATE accounts SET changes_floor = highest_modseq WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = account.Id });
            await command.ExecuteNonQueryAsync(Ct);
        }

        // Without the match data every known UID not in the folder is named, 2 included.
        var plain = await client.CommandAsync("e", $"SELECT INBOX (QRESYNC ({uidValidity} {since} 1:5))");
        Assert.Contains("* VANISHED (EARLIER) 2,5", plain);
        // With it (numbers 1 to 3 were UIDs 1, 3, 4 and still are), only UIDs above 4 can have vanished.
        var matched = await client.CommandAsync("f", $"SELECT INBOX (QRESYNC ({uidValidity} {since} 1:5 (1:3 1,3:4)))");
        Assert.Contains("* VANISHED (EARLIER) 5", matched);
        Assert.Equal("f OK [READ-WRITE] SELECT completed", matched[^1]);
        // A pair that no longer holds proves nothing: (4, 5) is gone, (1, 1) still holds.
        var stale = await client.CommandAsync("g", $"SELECT INBOX (QRESYNC ({uidValidity} {since} 1:5 (1,4 1,5)))");
        Assert.Contains("* VANISHED (EARLIER) 2,5", stale);

        // Sets that cannot be paired are the client's error; the session goes on.
        Assert.StartsWith("h BAD", (await client.CommandAsync("h", $"SELECT INBOX (QRESYNC ({uidValidity} {since} 1:5 (1:3 1:2)))"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("i BAD", (await client.CommandAsync("i", $"SELECT INBOX (QRESYNC ({uidValidity} {since} 1:5 (1:* 1:3)))"))[^1], StringComparison.Ordinal);
        Assert.Equal("j OK NOOP completed", (await client.CommandAsync("j", "NOOP"))[^1]);
    }

    [Fact]
    public async Task MailKit_resynchronises_with_QRESYNC_after_changes_made_while_it_was_away()
    {
        var address = await AccountWithMessagesAsync(3);
        uint uidValidity;
        ulong highestModSeq;
        IList<UniqueId> known;
        using (var first = await server.ConnectAsync(address))
        {
            Assert.True(first.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.QuickResync));
            await first.EnableQuickResyncAsync(Ct);
            await first.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
            uidValidity = first.Inbox.UidValidity;
            highestModSeq = first.Inbox.HighestModSeq;
            known = await first.Inbox.SearchAsync(MailKit.Search.SearchQuery.All, Ct);
            await first.DisconnectAsync(true, Ct);
        }
        using (var other = await server.ConnectAsync(address))
        {
            await other.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
            await other.Inbox.AddFlagsAsync(known[2], MessageFlags.Flagged, true, Ct);
            await other.Inbox.AddFlagsAsync(known[0], MessageFlags.Deleted, true, Ct);
            await other.Inbox.ExpungeAsync(Ct);
            await other.DisconnectAsync(true, Ct);
        }

        using var client = await server.ConnectAsync(address);
        await client.EnableQuickResyncAsync(Ct);
        var vanished = new List<UniqueId>();
        var earlier = false;
        var flagged = new List<UniqueId?>();
        client.Inbox.MessagesVanished += (_, e) =>
        {
            vanished.AddRange(e.UniqueIds);
            earlier = e.Earlier;
        };
        client.Inbox.MessageFlagsChanged += (_, e) => flagged.Add(e.UniqueId);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite, uidValidity, highestModSeq, known, Ct);
        Assert.Equal([known[0]], vanished);
        Assert.True(earlier);
        Assert.Equal([known[2]], flagged);
        Assert.True(client.Inbox.HighestModSeq > highestModSeq);
    }
}
