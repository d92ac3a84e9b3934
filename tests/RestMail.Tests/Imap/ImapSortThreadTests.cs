using System.Text;
using MailKit;
using MailKit.Search;

namespace RestMail.Tests.Imap;

/// <summary>RFC 5256 SORT and THREAD (ORDEREDSUBJECT, REFERENCES) from the summary columns.</summary>
public sealed class ImapSortThreadTests(ImapServer server) : IClassFixture<ImapServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Message(string from, string subject, int day, string id, string? references = null) => Encoding.UTF8.GetBytes(
        $"From: {from}\r\nTo: list@example.org\r\nSubject: {subject}\r\nDate: {day} Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\n" +
        (references is null ? "" : $"References: {references}\r\nIn-Reply-To: {references.Split(' ')[^1]}\r\n") +
        $"\r\nBody {new string('x', day * 200)}\r\n");

    /// <summary>
    /// 1 Beta; 2 "Re: alpha" answering 3; 3 Alpha; 4 "[list] Re: Alpha (fwd)" answering 2;
    /// 5 and 6 about Gamma, both answering a message that is not in the folder.
    /// </summary>
    private async Task<string> SeedAsync()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverAsync(account.Id, Message("Carol <carol@example.org>", "Beta", 3, "a@x"));
        await server.DeliverAsync(account.Id, Message("alice@example.org", "Re: alpha", 2, "b@x", "<c@x>"));
        await server.DeliverAsync(account.Id, Message("Bob <BOB@example.org>", "Alpha", 1, "c@x"));
        await server.DeliverAsync(account.Id, Message("dave@example.org", "[list] Re: Alpha (fwd)", 4, "d@x", "<c@x> <b@x>"));
        await server.DeliverAsync(account.Id, Message("eve@example.org", "Gamma", 5, "e@x", "<missing@x>"));
        await server.DeliverAsync(account.Id, Message("frank@example.org", "Re: gamma", 6, "f@x", "<missing@x>"));
        return account.Address;
    }

    [Fact]
    public async Task SORT_orders_by_base_subject_date_address_and_size_with_REVERSE_and_search_keys()
    {
        await using var client = await server.LoginRawAsync(await SeedAsync());
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.Equal(["* SORT 2 3 4 1 5 6", "a OK SORT completed"], await client.CommandAsync("a", "SORT (SUBJECT) UTF-8 ALL"));
        Assert.Equal(["* SORT 3 2 1 4 5 6", "b OK SORT completed"], await client.CommandAsync("b", "SORT (DATE) US-ASCII ALL"));
        Assert.Equal(["* SORT 6 5 4 1 3 2", "c OK SORT completed"], await client.CommandAsync("c", "SORT (REVERSE FROM) UTF-8 ALL"));
        Assert.Equal(["* SORT 6 5 4 1 2 3", "d OK SORT completed"], await client.CommandAsync("d", "SORT (REVERSE SIZE) UTF-8 ALL"));
        Assert.Equal(["* SORT 4 2 3", "e OK SORT completed"], await client.CommandAsync("e", "UID SORT (REVERSE DATE) UTF-8 SUBJECT alpha"));
        Assert.Equal(["* SORT 2 3 4 1 5 6", "f OK SORT completed"], await client.CommandAsync("f", "SORT (SUBJECT ARRIVAL) UTF-8 ALL"));
        Assert.Equal(["g NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"], await client.CommandAsync("g", "SORT (DATE) KOI8-R ALL"));
        Assert.StartsWith("h BAD", (await client.CommandAsync("h", "SORT (COLOUR) UTF-8 ALL"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task THREAD_ORDEREDSUBJECT_and_REFERENCES_build_the_RFC_5256_trees()
    {
        await using var client = await server.LoginRawAsync(await SeedAsync());
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.Equal(["* THREAD (3 (2)(4))(1)(5 6)", "a OK THREAD completed"], await client.CommandAsync("a", "THREAD ORDEREDSUBJECT UTF-8 ALL"));
        // 2 answers 3 and 4 answers 2: a chain. 5 and 6 share a missing parent: a dummy holds them.
        Assert.Equal(["* THREAD (3 2 4)(1)((5)(6))", "b OK THREAD completed"], await client.CommandAsync("b", "THREAD REFERENCES UTF-8 ALL"));
        Assert.Equal(["* THREAD (3 2)", "c OK THREAD completed"], await client.CommandAsync("c", "UID THREAD REFERENCES UTF-8 UID 2:3"));
        Assert.Equal(["* THREAD", "d OK THREAD completed"], await client.CommandAsync("d", "THREAD REFERENCES UTF-8 SUBJECT nothing"));
        Assert.StartsWith("e BAD", (await client.CommandAsync("e", "THREAD BY-MOOD UTF-8 ALL"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_sorts_and_threads()
    {
        using var client = await server.ConnectAsync(await SeedAsync());
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.Sort));
        Assert.Contains(ThreadingAlgorithm.References, client.ThreadingAlgorithms);
        Assert.Contains(ThreadingAlgorithm.OrderedSubject, client.ThreadingAlgorithms);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var sorted = await inbox.SortAsync(SearchQuery.All, [OrderBy.ReverseDate], Ct);
        Assert.Equal([6u, 5u, 4u, 1u, 2u, 3u], sorted.Select(u => u.Id));
        var threads = await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All, Ct);
        Assert.Equal(3, threads.Count);
        Assert.Equal(3u, threads[0].UniqueId!.Value.Id);
        Assert.Equal(2u, threads[0].Children.Single().UniqueId!.Value.Id);
        Assert.Null(threads[2].UniqueId);
        Assert.Equal([5u, 6u], threads[2].Children.Select(c => c.UniqueId!.Value.Id));
    }
}
