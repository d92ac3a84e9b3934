using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;

namespace RestMail.Tests.Imap;

/// <summary>RFC 4978 COMPRESS=DEFLATE.</summary>
public sealed class ImapCompressTests(ImapServer server) : IClassFixture<ImapServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_COMPRESS_DEFLATE_MailKit_fetches_searches_and_idles_through_the_compressed_stream()
    {
        var account = await server.CreateAccountAsync();
        var raw = ImapMessages.WithAttachment("compressed");
        await server.DeliverAsync(account.Id, raw);
        using var client = await server.ConnectAsync(account.Address);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress));
        await client.CompressAsync(Ct);

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        Assert.Equal([new UniqueId(1)], await inbox.SearchAsync(SearchQuery.BodyContains("second line"), Ct));
        using var stream = new MemoryStream();
        using (var body = await inbox.GetStreamAsync(new UniqueId(1), "", Ct))
            await body.CopyToAsync(stream, Ct);
        Assert.Equal(raw, stream.ToArray());

        // A push arrives through the compressed stream too.
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token, Ct);
        await server.DeliverAsync(account.Id, ImapMessages.Simple("while compressed"));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await done.CancelAsync();
        await idle;
        Assert.Equal(2, inbox.Count);
        await client.DisconnectAsync(true, Ct);
    }

    [Fact]
    public async Task COMPRESS_needs_login_and_a_known_mechanism()
    {
        var account = await server.CreateAccountAsync();
        await using (var anonymous = await RawImapClient.ConnectAsync(server.Imaps, server.ValidateCertificate))
        {
            await anonymous.ReadLineAsync();
            Assert.StartsWith("a BAD", (await anonymous.CommandAsync("a", "COMPRESS DEFLATE"))[^1], StringComparison.Ordinal);
        }
        await using var client = await server.LoginRawAsync(account.Address);
        Assert.StartsWith("b BAD", (await client.CommandAsync("b", "COMPRESS LZW"))[^1], StringComparison.Ordinal);
        Assert.Equal(["c OK NOOP completed"], await client.CommandAsync("c", "NOOP"));
    }
}
