using System.Net;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;
using Npgsql;
using RestMail.Tests.Api;

namespace RestMail.Tests.Imap;

/// <summary>
/// IMAP4rev2 (RFC 9051) next to IMAP4rev1: what ENABLE IMAP4rev2 changes on the wire, STATUS DELETED,
/// CREATE-SPECIAL-USE (RFC 6154 §3) and BINARY (RFC 3516).
/// </summary>
public sealed class ImapRev2Tests(ImapServer server) : IClassFixture<ImapServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<RestMail.Storage.Accounts.AccountRecord> AccountWithMessagesAsync(int count)
    {
        var account = await server.CreateAccountAsync();
        for (var i = 1; i <= count; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"message {i}"));
        return account;
    }

    /// <summary>Takes a role away from its default folder, as if the account had never had one (accounts start with all five).</summary>
    private async Task ClearRoleAsync(long accountId, string role)
    {
        await using var command = server.DataSource.CreateCommand("UPDATE folders SET role = NULL WHERE account_id = $1 AND role = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        command.Parameters.Add(new NpgsqlParameter { Value = role });
        Assert.Equal(1, await command.ExecuteNonQueryAsync(Ct));
    }

    [Fact]
    public async Task ENABLE_IMAP4rev2_answers_SEARCH_with_ESEARCH_and_drops_RECENT_and_UNSEEN_from_SELECT()
    {
        var account = await AccountWithMessagesAsync(3);
        await using var client = await server.LoginRawAsync(account.Address);

        // IMAP4rev1 until the client asks: RECENT, UNSEEN and the untagged SEARCH response.
        var rev1 = await client.CommandAsync("a", "SELECT INBOX");
        Assert.Contains("* 0 RECENT", rev1);
        Assert.Contains("* OK [UNSEEN 1] First unseen", rev1);
        Assert.DoesNotContain(rev1, l => l.StartsWith("* LIST", StringComparison.Ordinal));
        Assert.Equal(["* SEARCH 1 2 3", "b OK SEARCH completed"], await client.CommandAsync("b", "SEARCH ALL"));
        await client.CommandAsync("c", "UNSELECT");

        Assert.Equal(["* ENABLED IMAP4rev2", "d OK ENABLE completed"], await client.CommandAsync("d", "ENABLE IMAP4rev2"));
        // RFC 5161 §3.1: enabling what is already on lists nothing.
        Assert.Equal(["* ENABLED", "e OK ENABLE completed"], await client.CommandAsync("e", "ENABLE IMAP4rev2"));

        var rev2 = await client.CommandAsync("f", "SELECT INBOX");
        Assert.DoesNotContain(rev2, l => l.Contains("RECENT", StringComparison.Ordinal) || l.Contains("[UNSEEN", StringComparison.Ordinal));
        Assert.Contains("* 3 EXISTS", rev2);
        Assert.Contains("* LIST () \"/\" \"INBOX\"", rev2);
        Assert.Equal("f OK [READ-WRITE] SELECT completed", rev2[^1]);

        Assert.Equal(["* ESEARCH (TAG \"g\") ALL 1:3", "g OK SEARCH completed"], await client.CommandAsync("g", "SEARCH ALL"));
        Assert.Equal(["* ESEARCH (TAG \"h\") UID ALL 2:3", "h OK SEARCH completed"], await client.CommandAsync("h", "UID SEARCH UID 2:*"));
        // No match: the ALL item is left out (RFC 9051 §7.3.4).
        Assert.Equal(["* ESEARCH (TAG \"i\")", "i OK SEARCH completed"], await client.CommandAsync("i", "SEARCH DELETED"));
        Assert.Equal(["* ESEARCH (TAG \"j\") MIN 1 COUNT 3", "j OK SEARCH completed"], await client.CommandAsync("j", "SEARCH RETURN (MIN COUNT) ALL"));

        // A special-use mailbox is named with its attribute.
        var sent = await client.CommandAsync("k", "EXAMINE Sent");
        Assert.Contains("* LIST (\\Sent) \"/\" \"Sent\"", sent);
        Assert.Equal("k OK [READ-ONLY] EXAMINE completed", sent[^1]);
    }

    [Fact]
    public async Task STATUS_DELETED_counts_messages_marked_deleted_in_either_version()
    {
        var account = await AccountWithMessagesAsync(3);
        await using var client = await server.LoginRawAsync(account.Address);
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 3 DELETED 0)", (await client.CommandAsync("a", "STATUS INBOX (MESSAGES DELETED)"))[0]);
        await client.CommandAsync("b", "SELECT INBOX");
        await client.CommandAsync("c", "STORE 1,3 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal("* STATUS \"INBOX\" (DELETED 2 MESSAGES 3)", (await client.CommandAsync("d", "STATUS INBOX (DELETED MESSAGES)"))[0]);
        await client.CommandAsync("e", "ENABLE IMAP4rev2");
        var listed = await client.CommandAsync("f", "LIST \"\" INBOX RETURN (STATUS (DELETED UNSEEN))");
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"INBOX\"", "* STATUS \"INBOX\" (DELETED 2 UNSEEN 3)", "f OK LIST completed"], listed);
        await client.CommandAsync("g", "EXPUNGE");
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 1 DELETED 0)", (await client.CommandAsync("h", "STATUS INBOX (MESSAGES DELETED)"))[0]);
    }

    [Fact]
    public async Task After_ENABLE_IMAP4rev2_mailbox_names_are_UTF8_not_modified_UTF7()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await server.LoginRawAsync(account.Address);
        Assert.Equal(["a OK CREATE completed"], await client.CommandAsync("a", "CREATE \"Caf&AOk-\""));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Caf&AOk-\"", "b OK LIST completed"], await client.CommandAsync("b", "LIST \"\" Caf*"));
        Assert.Equal(["* ENABLED IMAP4rev2 UTF8=ACCEPT", "c OK ENABLE completed"], await client.CommandAsync("c", "ENABLE IMAP4rev2 UTF8=ACCEPT"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Café\"", "d OK LIST completed"], await client.CommandAsync("d", "LIST \"\" Caf*"));
        Assert.Contains("* LIST () \"/\" \"Café\"", await client.CommandAsync("e", "SELECT \"Café\""));
    }

    [Fact]
    public async Task LIST_RECURSIVEMATCH_names_parents_of_subscribed_mailboxes_with_CHILDINFO()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await server.LoginRawAsync(account.Address);
        await client.CommandAsync("a", "CREATE Team/Alpha");
        await client.CommandAsync("b", "CREATE Other");
        await client.CommandAsync("c", "SUBSCRIBE Team/Alpha");
        // RFC 9051 §6.3.4: CREATE made the superior level too, a mailbox of its own.
        Assert.Equal("x OK [READ-ONLY] EXAMINE completed", (await client.CommandAsync("x", "EXAMINE Team"))[^1]);

        Assert.Equal(["d OK LIST completed"], await client.CommandAsync("d", "LIST (SUBSCRIBED) \"\" (Team Other)"));
        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" \"Team\" (\"CHILDINFO\" (\"SUBSCRIBED\"))", "e OK LIST completed"],
            await client.CommandAsync("e", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (Team Other)"));
        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" \"Team\" (\"CHILDINFO\" (\"SUBSCRIBED\"))", "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Team/Alpha\"", "f OK LIST completed"],
            await client.CommandAsync("f", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" Team*"));
        // RFC 5258 §3: RECURSIVEMATCH alone (or with REMOTE only) is an error.
        Assert.StartsWith("g BAD", (await client.CommandAsync("g", "LIST (RECURSIVEMATCH) \"\" *"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("h BAD", (await client.CommandAsync("h", "LIST (REMOTE RECURSIVEMATCH) \"\" *"))[^1], StringComparison.Ordinal);
        Assert.Equal(["i OK NOOP completed"], await client.CommandAsync("i", "NOOP"));
    }

    [Fact]
    public async Task CREATE_with_USE_gives_the_folder_its_role_and_refuses_uses_it_cannot_give_with_USEATTR()
    {
        var (account, rest) = await server.CreateSignedInAsync();
        using var _ = rest;
        await using var client = await server.LoginRawAsync(account.Address);

        Assert.Equal(["a NO [USEATTR] \\All is not supported"], await client.CommandAsync("a", "CREATE Everything (USE (\\All))"));
        Assert.Equal(["b NO [USEATTR] A mailbox can have only one special use here"], await client.CommandAsync("b", "CREATE Both (USE (\\Sent \\Trash))"));
        // Every account starts with an Archive; a role belongs to one folder.
        Assert.Equal(["c NO [USEATTR] Another mailbox already has the special use \\Archive"], await client.CommandAsync("c", "CREATE Archive2 (USE (\\Archive))"));
        Assert.StartsWith("d BAD", (await client.CommandAsync("d", "CREATE Colour (COLOR (red))"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("e BAD", (await client.CommandAsync("e", "CREATE Colour (USE (Archive))"))[^1], StringComparison.Ordinal);
        // RFC 6154 §3: a refused CREATE creates nothing.
        Assert.Equal(["f OK LIST completed"], await client.CommandAsync("f", "LIST \"\" (Everything Both Archive2 Colour)"));

        Assert.Equal(["g OK CREATE completed"], await client.CommandAsync("g", "CREATE Plain (USE ())"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Plain\"", "h OK LIST completed"], await client.CommandAsync("h", "LIST \"\" Plain"));

        await ClearRoleAsync(account.Id, "archive");
        Assert.Equal(["i OK CREATE completed"], await client.CommandAsync("i", "CREATE \"Old mail\" (USE (\\archive))"));
        Assert.Equal(["* LIST (\\HasNoChildren \\Archive) \"/\" \"Old mail\"", "j OK LIST completed"], await client.CommandAsync("j", "LIST \"\" \"Old mail\""));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"Archive\"", "k OK LIST completed"], await client.CommandAsync("k", "LIST \"\" Archive"));

        // The REST API sees the same roles.
        var folders = await (await rest.GetAsync("/v1/folders", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var roles = folders.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("role").GetString());
        Assert.Equal("archive", roles["Old mail"]);
        Assert.Null(roles["Archive"]);
        Assert.Null(roles["Plain"]);
        await rest.PostJsonAsync("/v1/folders", new { name = "Another", role = "archive" }).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task MailKit_sees_IMAP4rev2_BINARY_and_CREATE_SPECIAL_USE_and_creates_a_drafts_folder()
    {
        var account = await server.CreateAccountAsync();
        await ClearRoleAsync(account.Id, "drafts");
        using var client = await server.ConnectAsync(account.Address);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.IMAP4rev2));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Binary));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.CreateSpecialUse));

        var root = client.GetFolder(client.PersonalNamespaces[0])!;
        var drafts = await root.CreateAsync("My drafts", [SpecialFolder.Drafts], Ct);
        Assert.True(drafts!.Attributes.HasFlag(FolderAttributes.Drafts));
        await Assert.ThrowsAsync<ImapCommandException>(() => root.CreateAsync("More drafts", [SpecialFolder.Drafts], Ct));

        var listed = await root.GetSubfoldersAsync(false, Ct);
        Assert.Contains(listed, f => f.FullName == "My drafts" && f.Attributes.HasFlag(FolderAttributes.Drafts));
        Assert.DoesNotContain(listed, f => f.FullName == "More drafts");
        Assert.DoesNotContain(listed, f => f.FullName == "Drafts" && f.Attributes.HasFlag(FolderAttributes.Drafts));
    }

    [Fact]
    public async Task MailKit_uses_ID_UTF8_LIST_STATUS_MULTIAPPEND_CHECK_UNSELECT_and_CLOSE()
    {
        var (account, rest) = await server.CreateSignedInAsync();
        using var _ = rest;
        using var client = await server.ConnectAsync(account.Address);
        var id = await client.IdentifyAsync(new ImapImplementation { Name = "RestMail.Tests", Version = "1" }, Ct);
        Assert.Equal("REST Mail", id.Name);
        await client.EnableUTF8Async(Ct);

        var root = client.GetFolder(client.PersonalNamespaces[0])!;
        var folder = (await root.CreateAsync("Écoles", true, Ct))!;
        var uids = await folder.AppendAsync(
        [
            new AppendRequest(MimeMessage.Load(new MemoryStream(ImapMessages.Simple("kept")), Ct), MessageFlags.Seen),
            new AppendRequest(MimeMessage.Load(new MemoryStream(ImapMessages.Simple("doomed")), Ct), MessageFlags.Deleted),
        ], Ct);
        Assert.Equal(2, uids.Count);

        // LIST-STATUS, with the STATUS items MailKit knows, APPENDLIMIT (RFC 7889 §4) included.
        var listed = (await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.Count | StatusItems.Unread | StatusItems.Size | StatusItems.AppendLimit, false, Ct))
            .Single(f => f.FullName == "Écoles");
        Assert.Equal(2, listed.Count);
        Assert.Equal(1, listed.Unread);
        Assert.True(listed.Size > 0);
        Assert.Equal((uint)ImapServer.AppendLimit, listed.AppendLimit);

        await folder.OpenAsync(FolderAccess.ReadWrite, Ct);
        await folder.CheckAsync(Ct);
        await folder.CloseAsync(false, Ct); // UNSELECT: the \Deleted message stays.
        await folder.StatusAsync(StatusItems.Count, Ct);
        Assert.Equal(2, folder.Count);
        await folder.OpenAsync(FolderAccess.ReadWrite, Ct);
        await folder.CloseAsync(true, Ct); // CLOSE expunges it.
        await folder.StatusAsync(StatusItems.Count, Ct);
        Assert.Equal(1, folder.Count);

        // The UTF-8 name reached the store as such.
        var folders = await (await rest.GetAsync("/v1/folders", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Contains(folders.EnumerateArray(), f => f.GetProperty("name").GetString() == "Écoles" && f.GetProperty("total").GetInt64() == 1);
    }

    [Fact]
    public async Task APPEND_takes_a_literal8_and_FETCH_BINARY_returns_decoded_parts()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await server.LoginRawAsync(account.Address);
        var message = Encoding.UTF8.GetBytes(
            "From: a@example.org\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" +
            "--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =3D ok\r\n" +
            "--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nA\0B\r\n" +
            "--B--\r\n");

        // A NUL needs a literal8 (RFC 3516 §4.2); a plain literal with one is refused.
        await client.SendAsync($"a APPEND INBOX {{{message.Length}+}}\r\n");
        await client.SendAsync([.. message, .. "\r\n"u8]);
        Assert.StartsWith("a BAD", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
        await client.SendAsync($"b APPEND INBOX ~{{{message.Length}+}}\r\n");
        await client.SendAsync([.. message, .. "\r\n"u8]);
        Assert.StartsWith("b OK [APPENDUID ", (await client.ReadUntilAsync("b "))[^1], StringComparison.Ordinal);

        await client.CommandAsync("c", "SELECT INBOX");
        Assert.Equal(["* 1 FETCH (BINARY.SIZE[1] 10 BINARY.SIZE[2] 3)", "d OK FETCH completed"],
            await client.CommandAsync("d", "FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2])"));
        Assert.Equal(["* 1 FETCH (BINARY[1] {10}", "café = ok)", "e OK FETCH completed"], await client.CommandAsync("e", "FETCH 1 BINARY.PEEK[1]"));
        // Decoded content with a NUL comes back as a literal8.
        Assert.Equal(["* 1 FETCH (BINARY[2] ~{3}", "A\0B)", "f OK FETCH completed"], await client.CommandAsync("f", "FETCH 1 BINARY.PEEK[2]"));
        Assert.Equal(["* 1 FETCH (BINARY[2]<1> ~{1}", "\0)", "g OK FETCH completed"], await client.CommandAsync("g", "FETCH 1 BINARY.PEEK[2]<1.1>"));
        Assert.Equal(["* 1 FETCH (FLAGS ())", "h OK FETCH completed"], await client.CommandAsync("h", "FETCH 1 FLAGS"));

        // An encoding the server cannot undo fails BINARY with [UNKNOWN-CTE]; BODY still returns the bytes.
        var unknown = Encoding.ASCII.GetBytes(
            "From: a@example.org\r\nSubject: odd\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-squeeze\r\n\r\nzzz\r\n");
        await client.SendAsync($"i APPEND INBOX {{{unknown.Length}+}}\r\n");
        await client.SendAsync([.. unknown, .. "\r\n"u8]);
        var appended = await client.ReadUntilAsync("i ");
        Assert.StartsWith("i OK", appended[^1], StringComparison.Ordinal);
        // The new message is announced with the APPEND's own response or, pushed by the mailbox, with a later one.
        for (var poll = 0; !appended.Contains("* 2 EXISTS") && poll < 50; poll++)
        {
            await Task.Delay(100, Ct);
            appended.AddRange(await client.CommandAsync("n" + poll, "NOOP"));
        }
        Assert.Contains("* 2 EXISTS", appended);
        Assert.Equal(["j NO [UNKNOWN-CTE] Cannot decode the Content-Transfer-Encoding of a requested part"], await client.CommandAsync("j", "FETCH 2 BINARY.PEEK[1]"));
        Assert.Equal(["* 2 FETCH (BODY[1] {5}", "zzz", ")", "k OK FETCH completed"], await client.CommandAsync("k", "FETCH 2 BODY.PEEK[1]"));
    }
}
