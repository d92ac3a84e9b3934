using System.Text;

namespace RestMail.Tests.Imap;

/// <summary>Raw-socket sessions: capabilities, TLS rules, login failures and hostile input.</summary>
public sealed class ImapProtocolTests(ImapServer server) : IClassFixture<ImapServer>
{
    private const string Extensions =
        "LITERAL+ ID ENABLE NAMESPACE IDLE UIDPLUS MOVE ESEARCH SEARCHRES CONDSTORE QRESYNC SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES UNSELECT CHILDREN SPECIAL-USE CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS STATUS=SIZE APPENDLIMIT=200000 MULTIAPPEND BINARY QUOTA QUOTA=RES-STORAGE UTF8=ACCEPT COMPRESS=DEFLATE";

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    private async Task<RawImapClient> LoggedInAsync(string address)
    {
        var client = await RawImapClient.ConnectAsync(server.Imaps, server.ValidateCertificate);
        await client.ReadLineAsync();
        var login = await client.CommandAsync("L", $"LOGIN \"{address}\" \"{ImapServer.Password}\"");
        Assert.StartsWith("L OK", login[^1], StringComparison.Ordinal);
        return client;
    }

    [Fact]
    public async Task Capabilities_are_exactly_what_is_implemented_in_each_state()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Imap);
        Assert.Equal($"* OK [CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED {Extensions}] REST Mail IMAP ready", await client.ReadLineAsync());
        var before = await client.CommandAsync("a", "CAPABILITY");
        Assert.Equal([$"* CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED {Extensions}", "a OK CAPABILITY completed"], before);

        Assert.Equal(["b OK Begin TLS negotiation now"], await client.CommandAsync("b", "STARTTLS"));
        await client.StartTlsAsync(server.ValidateCertificate);
        var tls = await client.CommandAsync("c", "CAPABILITY");
        Assert.Equal($"* CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR AUTH=PLAIN {Extensions}", tls[0]);

        var login = await client.CommandAsync("d", $"AUTHENTICATE PLAIN {Plain(account.Address, ImapServer.Password)}");
        Assert.Equal($"d OK [CAPABILITY IMAP4rev1 IMAP4rev2 {Extensions}] Logged in", login[^1]);
        var after = await client.CommandAsync("e", "CAPABILITY");
        Assert.Equal($"* CAPABILITY IMAP4rev1 IMAP4rev2 {Extensions}", after[0]);

        // Implicit TLS (port 993) starts where STARTTLS ends: mechanisms offered, no STARTTLS.
        await using var imaps = await RawImapClient.ConnectAsync(server.Imaps, server.ValidateCertificate);
        Assert.Equal($"* OK [CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR AUTH=PLAIN {Extensions}] REST Mail IMAP ready", await imaps.ReadLineAsync());
        Assert.Equal($"* CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR AUTH=PLAIN {Extensions}", (await imaps.CommandAsync("f", "CAPABILITY"))[0]);
    }

    [Fact]
    public async Task Login_and_authenticate_before_TLS_are_refused_and_the_session_continues()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Imap);
        await client.ReadLineAsync();
        Assert.StartsWith("a NO [PRIVACYREQUIRED]", (await client.CommandAsync("a", $"LOGIN {account.Address} \"{ImapServer.Password}\""))[^1], StringComparison.Ordinal);
        Assert.StartsWith("b NO [PRIVACYREQUIRED]", (await client.CommandAsync("b", $"AUTHENTICATE PLAIN {Plain(account.Address, ImapServer.Password)}"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("c BAD", (await client.CommandAsync("c", "SELECT INBOX"))[^1], StringComparison.Ordinal);
        Assert.Equal(["d OK NOOP completed"], await client.CommandAsync("d", "NOOP"));
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_the_right_one_then_works_with_a_continuation()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Imaps, server.ValidateCertificate);
        await client.ReadLineAsync();
        Assert.Equal(["a NO [AUTHENTICATIONFAILED] Invalid credentials"], await client.CommandAsync("a", $"LOGIN {account.Address} wrong"));
        await client.SendAsync("b AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(Plain(account.Address, ImapServer.Password) + "\r\n");
        Assert.StartsWith("b OK", (await client.ReadUntilAsync("b "))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_commands_get_BAD_and_the_session_continues()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await LoggedInAsync(account.Address);
        string[] garbage =
        [
            "a1 FROBNICATE",
            "a2 SELECT",
            "a3 LIST \"unterminated",
            "a4 STATUS INBOX (BOGUS)",
            "a5 SELECT \"bad\\escape\"",
            "a6 ID (\"a\"",
            "a7 LOGIN x y",
            "a8 FETCH 1 FLAGS",
            "a9 UID",
        ];
        foreach (var line in garbage)
        {
            var tag = line[..2];
            var response = await client.CommandAsync(tag, line[3..]);
            Assert.StartsWith(tag + " BAD", response[^1], StringComparison.Ordinal);
        }
        await client.SendAsync("\r\n");
        Assert.StartsWith("* BAD", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal(["z OK NOOP completed"], await client.CommandAsync("z", "NOOP"));
    }

    [Fact]
    public async Task Over_long_lines_and_deep_nesting_get_BAD_and_the_session_continues()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await LoggedInAsync(account.Address);
        await client.SendAsync("a NOOP " + new string('x', ImapServer.MaxLineLength * 3) + "\r\n");
        Assert.StartsWith("a BAD [TOOBIG]", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
        var nested = "b ID " + new string('(', 500) + "\r\n";
        await client.SendAsync(nested);
        Assert.StartsWith("b BAD", (await client.ReadUntilAsync("b "))[^1], StringComparison.Ordinal);
        Assert.Equal(["c OK NOOP completed"], await client.CommandAsync("c", "NOOP"));
    }

    [Fact]
    public async Task A_huge_synchronising_literal_is_refused_before_it_is_sent_and_the_session_continues()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await LoggedInAsync(account.Address);
        Assert.Equal(["a NO [TOOBIG] Message larger than APPENDLIMIT"], await client.CommandAsync("a", $"APPEND INBOX {{{ImapServer.AppendLimit + 1}}}"));
        Assert.StartsWith("b BAD [TOOBIG]", (await client.CommandAsync("b", $"SELECT {{{ImapServer.MaxLiteralSize + 1}}}"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("c BAD", (await client.CommandAsync("c", "SELECT {99999999999999999999999}"))[^1], StringComparison.Ordinal);
        Assert.Equal(["d OK NOOP completed"], await client.CommandAsync("d", "NOOP"));
    }

    [Fact]
    public async Task A_huge_non_synchronising_literal_ends_the_session_with_BYE()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await LoggedInAsync(account.Address);
        await client.SendAsync($"a APPEND INBOX {{{ImapServer.AppendLimit + 1}+}}\r\nxxxx");
        Assert.StartsWith("* BYE [TOOBIG]", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task Literals_synchronising_and_not_carry_strings_byte_exact()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await RawImapClient.ConnectAsync(server.Imaps, server.ValidateCertificate);
        await client.ReadLineAsync();
        await client.SendAsync($"a LOGIN {{{Encoding.UTF8.GetByteCount(account.Address)}}}\r\n");
        Assert.StartsWith("+", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync($"{account.Address} {{{ImapServer.Password.Length}+}}\r\n{ImapServer.Password}\r\n");
        Assert.StartsWith("a OK", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ID_ENABLE_NAMESPACE_and_LOGOUT_answer_as_the_RFCs_say()
    {
        var account = await server.CreateAccountAsync();
        await using var client = await LoggedInAsync(account.Address);
        Assert.Equal(["* ID (\"name\" \"REST Mail\" \"vendor\" \"REST Mail\")", "a OK ID completed"], await client.CommandAsync("a", "ID (\"name\" \"test\" \"version\" NIL)"));
        Assert.Equal(["* ENABLED UTF8=ACCEPT", "b OK ENABLE completed"], await client.CommandAsync("b", "ENABLE UTF8=ACCEPT X-UNKNOWN"));
        Assert.Equal(["* NAMESPACE ((\"\" \"/\")) NIL NIL", "c OK NAMESPACE completed"], await client.CommandAsync("c", "NAMESPACE"));
        Assert.Equal(["* BYE REST Mail IMAP logging out", "d OK LOGOUT completed"], await client.CommandAsync("d", "LOGOUT"));
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task Commands_pipelined_after_STARTTLS_are_discarded()
    {
        await using var client = await RawImapClient.ConnectAsync(server.Imap);
        await client.ReadLineAsync();
        await client.SendAsync("a STARTTLS\r\nb CAPABILITY\r\n");
        Assert.Equal("a OK Begin TLS negotiation now", await client.ReadLineAsync());
        await client.StartTlsAsync(server.ValidateCertificate);
        Assert.Equal(["c OK NOOP completed"], await client.CommandAsync("c", "NOOP"));
    }

    [Fact]
    public async Task FETCH_BODY_without_PEEK_sets_Seen_and_reports_the_new_flags()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, ImapMessages.Simple("seen by fetch"));
        await using var client = await LoggedInAsync(account.Address);
        await client.CommandAsync("s", "SELECT INBOX");
        var fetch = await client.CommandAsync("f", "FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)])");
        Assert.Contains("BODY[HEADER.FIELDS (SUBJECT)] {", fetch[0], StringComparison.Ordinal);
        Assert.Contains(fetch, l => l.Contains("FLAGS (\\Seen)", StringComparison.Ordinal));
        var again = await client.CommandAsync("g", "UID FETCH 1:* (FLAGS)");
        Assert.Contains("FLAGS (\\Seen)", again[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FETCH_of_many_messages_answers_each_once_in_order_across_read_ahead_windows()
    {
        var account = await server.CreateAccountAsync();
        const int count = 70; // more than two read-ahead windows of 32
        for (var i = 1; i <= count; i++)
            await server.DeliverAsync(account.Id, ImapMessages.Simple($"number {i}"));
        await using var client = await LoggedInAsync(account.Address);
        await client.CommandAsync("s", "SELECT INBOX");

        var fetch = await client.CommandAsync("f", "FETCH 1:* (ENVELOPE)");
        Assert.Equal("f OK FETCH completed", fetch[^1]);
        var answers = fetch[..^1];
        Assert.Equal(count, answers.Count);
        for (var i = 1; i <= count; i++)
            Assert.StartsWith($"* {i} FETCH (ENVELOPE (\"Tue, 3 Nov 2026 10:00:00 +0100\" \"number {i}\" ", answers[i - 1], StringComparison.Ordinal);
    }
}
