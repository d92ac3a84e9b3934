using System.Text;
using MailKit;
using MailKit.Search;
using Npgsql;
using RestMail.Grains.Mailboxes;

namespace RestMail.Tests.Imap;

/// <summary>SEARCH text keys with substring semantics, CHARSET, ESEARCH (RFC 4731) and SEARCHRES (RFC 5182).</summary>
public sealed class ImapSearchTests(ImapServer server) : IClassFixture<ImapServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Three messages: plain ASCII; RFC 2047 subject, quoted-printable UTF-8 body, a Cc and an X- header; a base64 attachment.</summary>
    private async Task<string> SeedAsync() => (await SeedAccountAsync()).Address;

    private async Task<RestMail.Storage.Accounts.AccountRecord> SeedAccountAsync()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, ImapMessages.Simple("Quarterly report", "The numbers look fine."));
        await server.DeliverAsync(account.Id, Encoding.UTF8.GetBytes(
            "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>\r\n" +
            "To: Team <team@example.org>\r\n" +
            "Cc: Grace <grace@example.net>\r\n" +
            "Subject: =?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n" +
            "X-Project: Apollo Eleven\r\n" +
            "Date: Wed, 4 Nov 2026 11:30:00 +0000\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: quoted-printable\r\n" +
            "\r\n" +
            "Sch=C3=B6ne Gr=C3=BC=C3=9Fe vom Rhein, und ein Wort: Zwischenablage.\r\n"));
        await server.DeliverAsync(account.Id, ImapMessages.WithAttachment("Holiday photos"));
        return account;
    }

    [Fact]
    public async Task Text_keys_match_substrings_case_insensitively_in_decoded_headers_and_bodies()
    {
        var address = await SeedAsync();
        using var client = await server.ConnectAsync(address);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var uids = await inbox.SearchAsync(SearchQuery.All, Ct);
        Assert.Equal(3, uids.Count);

        async Task<IList<UniqueId>> Find(SearchQuery query) => await inbox.SearchAsync(query, Ct);
        // Substrings inside words, any case; the tsvector could not find these.
        Assert.Equal([uids[0]], await Find(SearchQuery.SubjectContains("ARTERLY REP")));
        Assert.Equal([uids[1]], await Find(SearchQuery.SubjectContains("grüße aus köln")));
        Assert.Equal([uids[1]], await Find(SearchQuery.FromContains("MÜLLER")));
        Assert.Equal([uids[1]], await Find(SearchQuery.FromContains("juergen@example")));
        Assert.Equal([uids[2]], await Find(SearchQuery.ToContains("eve@")));
        Assert.Equal([uids[1]], await Find(SearchQuery.CcContains("grace")));
        Assert.Empty(await Find(SearchQuery.BccContains("grace")));
        Assert.Equal([uids[1]], await Find(SearchQuery.HeaderContains("X-Project", "apollo ELEV")));
        // Quoted-printable UTF-8 is decoded before matching; so is a base64 text part.
        Assert.Equal([uids[1]], await Find(SearchQuery.BodyContains("schöne grüße")));
        Assert.Equal([uids[1]], await Find(SearchQuery.BodyContains("schenabl")));
        Assert.Equal([uids[2]], await Find(SearchQuery.BodyContains("second LINE")));
        Assert.Empty(await Find(SearchQuery.BodyContains("Holiday")));
        // TEXT covers header and body.
        Assert.Equal([uids[2]], await Find(SearchQuery.MessageContains("Holiday")));
        Assert.Equal([uids[0]], await Find(SearchQuery.MessageContains("numbers look")));
        // Combined with metadata keys, NOT and OR.
        Assert.Equal([uids[0], uids[2]], await Find(SearchQuery.Not(SearchQuery.FromContains("müller"))));
        Assert.Equal([uids[0], uids[1]], await Find(SearchQuery.SubjectContains("report").Or(SearchQuery.BodyContains("rhein"))));
        Assert.Equal([uids[1]], await Find(SearchQuery.BodyContains("rhein").And(SearchQuery.NotSeen)));
    }

    /// <summary>
    /// The special messages of <see cref="SeedAsync"/> and more among 40 fillers: enough open
    /// candidates that text keys are answered from the stored search text (imap_search_text).
    /// </summary>
    private async Task<RestMail.Storage.Accounts.AccountRecord> SeedLargeAsync()
    {
        var account = await SeedAccountAsync();
        for (var i = 0; i < 40; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"Filler {i}", $"Nothing to see in number {i}."));
        await server.DeliverAsync(account.Id, Encoding.UTF8.GetBytes(
            "From: odd@example.org\r\nTo: Subject <subject@example.org>\r\nSubject: percent\r\nX-Note: 100% sure_thing (really) [a+b]\r\n\r\nBody with 50% off_price and a\ttab.\r\n"));
        return account;
    }

    [Fact]
    public async Task Search_text_is_stored_in_the_background_soon_after_delivery_without_any_SEARCH()
    {
        var account = await SeedAccountAsync();
        var delivered = await server.DeliverAsync(account.Id, ImapMessages.Simple("Background Indexing", "Stored before anyone searched."));
        Assert.Equal(DeliveryStatus.Stored, delivered.Status);

        // The indexer looks every couple of seconds; a generous bound for a loaded machine.
        string? headers = null, body = null;
        for (var poll = 0; headers is null && poll < 150; poll++)
        {
            await using var command = server.DataSource.CreateCommand("SELECT headers, body FROM imap_search_text WHERE message_id = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = delivered.MessageId });
            await using var reader = await command.ExecuteReaderAsync(Ct);
            if (await reader.ReadAsync(Ct))
                (headers, body) = (reader.GetString(0), reader.GetString(1));
            else
                await Task.Delay(200, Ct);
        }
        Assert.NotNull(headers);
        Assert.Contains("\u0001SUBJECT\u0002BACKGROUND INDEXING", headers, StringComparison.Ordinal);
        Assert.Contains("STORED BEFORE ANYONE SEARCHED.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_keys_answered_from_the_stored_search_text_are_exact()
    {
        var account = await SeedLargeAsync();
        await using var client = await server.LoginRawAsync(account.Address);
        await client.CommandAsync("s", "SELECT INBOX");
        async Task<string> Search(string keys) => (await client.CommandAsync("q", "SEARCH " + keys))[0];

        // Twice: the first search stores the text, the second answers from it alone.
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal("* SEARCH 1", await Search("SUBJECT \"ARTERLY REP\""));
            Assert.Equal("* SEARCH 2", await Search("CHARSET UTF-8 SUBJECT \"grüße aus KÖLN\""));
            Assert.Equal("* SEARCH 2", await Search("CHARSET UTF-8 FROM \"MÜLLER\""));
            Assert.Equal("* SEARCH 3", await Search("TO eve@"));
            Assert.Equal("* SEARCH", await Search("BCC grace"));
            Assert.Equal("* SEARCH 2", await Search("HEADER x-project \"apollo ELEV\""));
            Assert.Equal("* SEARCH 2", await Search("CHARSET UTF-8 BODY \"schöne grüße\""));
            Assert.Equal("* SEARCH 3", await Search("BODY \"second LINE\""));
            Assert.Equal("* SEARCH", await Search("BODY Holiday"));
            Assert.Equal("* SEARCH 3", await Search("TEXT Holiday"));
            // Field names are text too; but a match never spans a field name and its value, two
            // fields, or two parts.
            Assert.Equal("* SEARCH 2", await Search("TEXT x-proj"));
            Assert.Equal("* SEARCH", await Search("TEXT \"Project: Apollo\""));
            Assert.Equal("* SEARCH", await Search("TEXT \"Apollo ElevenDate\""));
            // A header value equal to a field name is no field of that name.
            Assert.Equal("* SEARCH 44", await Search("TO subject@"));
            Assert.Equal("* SEARCH", await Search("HEADER Subject subject@"));
            // LIKE and regular-expression characters are plain characters.
            Assert.Equal("* SEARCH 44", await Search("BODY \"50% off_\""));
            Assert.Equal("* SEARCH", await Search("BODY \"5_%\""));
            Assert.Equal("* SEARCH 44", await Search("HEADER X-Note \"% sure_thing (really) [a+b]\""));
            Assert.Equal("* SEARCH", await Search("HEADER X-Note \"sure.thing\""));
            Assert.Equal("* SEARCH 44", await Search("BODY {5+}\r\na\ttab"));
            // Combined with metadata keys, NOT and OR.
            Assert.Equal("* SEARCH 1 2 3 " + string.Join(' ', Enumerable.Range(4, 40)), await Search("NOT FROM odd@"));
            Assert.Equal("* SEARCH 1 2", await Search("OR SUBJECT report BODY rhein"));
            Assert.Equal("* SEARCH 14 15", await Search("OR BODY \"number 10.\" SUBJECT \"filler 11\""));
            Assert.Equal("* SEARCH 2", await Search("BODY rhein UNSEEN"));
        }

        // A message that arrives later is searchable at once; one expunged is gone from the answers.
        await DeliverWhileIdlingAsync(client, 45, () => server.DeliverAsync(account.Id, ImapMessages.Simple("Late arrival", "Zwischenablage again.")));
        Assert.Equal("* SEARCH 2 45", await Search("BODY zwischenablage"));
        await client.CommandAsync("d", "STORE 2 +FLAGS (\\Deleted)");
        await client.CommandAsync("e", "EXPUNGE");
        Assert.Equal("* SEARCH 44", await Search("BODY zwischenablage"));
    }

    /// <summary>Delivers while the session is in IDLE and returns once it announced the new count (RFC 2177): no polling.</summary>
    private static async Task DeliverWhileIdlingAsync(RawImapClient client, int exists, Func<Task> deliver)
    {
        await client.SendAsync("i IDLE\r\n");
        await client.ReadUntilAsync("+");
        await deliver();
        await client.ReadUntilAsync($"* {exists} EXISTS");
        await client.SendAsync("DONE\r\n");
        await client.ReadUntilAsync("i OK");
    }

    [Fact]
    public async Task Sequence_numbers_stay_right_after_expunges_in_the_middle_and_new_arrivals()
    {
        var account = await server.CreateAccountAsync();
        for (var i = 1; i <= 10; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"Message {i}"));
        await using var client = await server.LoginRawAsync(account.Address);
        await client.CommandAsync("s", "SELECT INBOX");
        await client.CommandAsync("d", "STORE 3,4,7,10 +FLAGS.SILENT (\\Deleted)");
        // RFC 9051 §7.5.1: highest first, each renumbering the ones after it.
        Assert.Equal(["* 10 EXPUNGE", "* 7 EXPUNGE", "* 4 EXPUNGE", "* 3 EXPUNGE", "e OK EXPUNGE completed"], await client.CommandAsync("e", "EXPUNGE"));
        Assert.Equal(["* SEARCH 1 2 5 6 8 9", "u OK SEARCH completed"], await client.CommandAsync("u", "UID SEARCH ALL"));
        Assert.Equal(["* SEARCH 3 4 5", "v OK SEARCH completed"], await client.CommandAsync("v", "SEARCH UID 4:8"));
        Assert.Equal("* 4 FETCH (UID 6)", (await client.CommandAsync("f", "FETCH 4 (UID)"))[0]);
        await DeliverWhileIdlingAsync(client, 7, () => server.DeliverAsync(account.Id, ImapMessages.Simple("Message 11")));
        Assert.Equal(["* 6 FETCH (UID 9)", "* 7 FETCH (UID 11)", "g OK FETCH completed"], await client.CommandAsync("g", "FETCH 6:* (UID)"));
        Assert.Equal(["* SEARCH 5 6 7", "w OK SEARCH completed"], await client.CommandAsync("w", "SEARCH UID 8:*"));
        await client.CommandAsync("d2", "STORE 1,7 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal(["* 7 EXPUNGE", "* 1 EXPUNGE", "e2 OK EXPUNGE completed"], await client.CommandAsync("e2", "EXPUNGE"));
        Assert.Equal(["* SEARCH 2 5 6 8 9", "x OK SEARCH completed"], await client.CommandAsync("x", "UID SEARCH ALL"));
    }

    [Fact]
    public async Task CHARSET_is_honoured_HEADER_with_an_empty_string_matches_the_field_and_unknown_charsets_get_BADCHARSET()
    {
        var address = await SeedAsync();
        await using var client = await server.LoginRawAsync(address);
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.Equal(["* SEARCH 2", "a OK SEARCH completed"], await client.CommandAsync("a", "SEARCH CHARSET UTF-8 SUBJECT \"köln\""));
        Assert.Equal(["* SEARCH 2", "b OK SEARCH completed"], await client.CommandAsync("b", "SEARCH CHARSET UTF-8 BODY {7+}\r\nSCHÖNE"));
        Assert.Equal(["* SEARCH 1 2 3", "c OK SEARCH completed"], await client.CommandAsync("c", "SEARCH CHARSET US-ASCII HEADER Subject \"\""));
        Assert.Equal(["* SEARCH 2", "d OK SEARCH completed"], await client.CommandAsync("d", "SEARCH HEADER X-PROJECT \"\""));
        Assert.Equal(["* SEARCH 1 3", "e OK SEARCH completed"], await client.CommandAsync("e", "SEARCH NOT HEADER X-Project \"\""));
        Assert.Equal(["f NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"], await client.CommandAsync("f", "SEARCH CHARSET KOI8-R TEXT x"));
        Assert.Equal("g BAD", (await client.CommandAsync("g", "SEARCH SUBJECT"))[^1][..5]);
        Assert.Equal(["* SEARCH 1 2 3", "h OK SEARCH completed"], await client.CommandAsync("h", "SEARCH ALL"));
    }

    [Fact]
    public async Task ESEARCH_returns_MIN_MAX_COUNT_ALL_and_SEARCHRES_saves_the_result_for_dollar()
    {
        var address = await SeedAsync();
        await using var client = await server.LoginRawAsync(address);
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.Equal(["* ESEARCH (TAG \"a\") UID MIN 1 MAX 3 ALL 1:3 COUNT 3", "a OK SEARCH completed"],
            await client.CommandAsync("a", "UID SEARCH RETURN (MIN MAX COUNT ALL) ALL"));
        Assert.Equal(["* ESEARCH (TAG \"b\") ALL 1,3", "b OK SEARCH completed"], await client.CommandAsync("b", "SEARCH RETURN () NOT FROM \"müller\""));
        Assert.Equal(["* ESEARCH (TAG \"c\") COUNT 0", "c OK SEARCH completed"], await client.CommandAsync("c", "SEARCH RETURN (MIN COUNT) SUBJECT nothing-like-this"));

        // SAVE alone answers no ESEARCH; "$" then names the saved messages in FETCH, STORE and SEARCH.
        Assert.Equal(["d OK SEARCH completed"], await client.CommandAsync("d", "UID SEARCH RETURN (SAVE) OR SUBJECT report SUBJECT holiday"));
        var fetch = await client.CommandAsync("e", "UID FETCH $ (FLAGS)");
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS ())", "* 3 FETCH (UID 3 FLAGS ())", "e OK FETCH completed"], fetch);
        Assert.Equal(["* SEARCH 3", "f OK SEARCH completed"], await client.CommandAsync("f", "SEARCH $ BODY line"));
        // SAVE with MIN only keeps the minimum (RFC 5182 §2.4).
        Assert.Equal(["* ESEARCH (TAG \"g\") MIN 2", "g OK SEARCH completed"], await client.CommandAsync("g", "SEARCH RETURN (SAVE MIN) 2:3"));
        Assert.Equal(["* 2 FETCH (UID 2)", "h OK FETCH completed"], await client.CommandAsync("h", "FETCH $ (UID)"));
        // A failed SEARCH without SAVE leaves "$" alone; a failed SEARCH ... SAVE empties it.
        Assert.StartsWith("h2 BAD", (await client.CommandAsync("h2", "SEARCH NOSUCHKEY"))[^1], StringComparison.Ordinal);
        Assert.Equal(["* 2 FETCH (UID 2)", "h3 OK FETCH completed"], await client.CommandAsync("h3", "FETCH $ (UID)"));
        Assert.Equal("i NO", (await client.CommandAsync("i", "SEARCH RETURN (SAVE) CHARSET X-UNKNOWN ALL"))[^1][..4]);
        Assert.Equal(["j OK FETCH completed"], await client.CommandAsync("j", "FETCH $ (UID)"));
    }

    [Fact]
    public async Task MailKit_uses_ESEARCH_with_SearchOptions()
    {
        var address = await SeedAsync();
        using var client = await server.ConnectAsync(address);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.ESearch));
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.SearchResults));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var results = await inbox.SearchAsync(SearchOptions.All | SearchOptions.Count | SearchOptions.Min | SearchOptions.Max, SearchQuery.MessageContains("example.org"), Ct);
        Assert.Equal(3, results.Count);
        Assert.Equal(1u, results.Min!.Value.Id);
        Assert.Equal(3u, results.Max!.Value.Id);
        Assert.Equal(3, results.UniqueIds.Count);
    }
}
