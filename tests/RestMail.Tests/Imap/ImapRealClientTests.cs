using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Gateways.Tls;
using RestMail.Grains.Mailboxes;

namespace RestMail.Tests.Imap;

/// <summary>The IMAP clients users run, from Debian's packages: mbsync (isync), curl and mutt.</summary>
public sealed class ImapRealClientTests(ImapServer server) : IClassFixture<ImapServer>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("rmt-imap-clients-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The server's self-signed certificate alone (the file the server wrote holds the key too).</summary>
    private string WriteServerCertificate()
    {
        var path = Path.Combine(_work, "server.pem");
        File.WriteAllText(path, server.Services.GetRequiredService<ServerCertificate>().Certificate.ExportCertificatePem() + "\n");
        return path;
    }

    /// <summary>Delivers through the mailbox grain, many at a time so that its group commit batches them.</summary>
    private async Task<List<DeliveryResult>> DeliverManyAsync(long accountId, long? folderId, int count, string label)
    {
        var results = new List<DeliveryResult>();
        for (var start = 0; start < count; start += 50)
        {
            var batch = Enumerable.Range(start, Math.Min(50, count - start))
                .Select(i => server.DeliverAsync(accountId, ImapMessages.Simple($"{label} {i}", $"Body of {label} {i}."), folderId));
            results.AddRange(await Task.WhenAll(batch));
        }
        return results;
    }

    private static int CountMaildir(string path) =>
        Directory.GetFiles(Path.Combine(path, "cur")).Length + Directory.GetFiles(Path.Combine(path, "new")).Length;

    [Fact]
    public async Task Mbsync_mirrors_1000_messages_in_several_folders_and_then_transfers_only_the_changes()
    {
        var mbsync = ExternalProgram.Require("mbsync", "isync");
        var account = await server.CreateAccountAsync();
        var mailbox = server.Grains.GetGrain<IMailboxGrain>(account.Id);
        var projects = await mailbox.CreateFolderAsync("Projects", FolderRole.None);
        var alpha = await mailbox.CreateFolderAsync("Projects/Alpha", FolderRole.None);
        var inbox = await DeliverManyAsync(account.Id, null, 600, "inbox");
        var project = await DeliverManyAsync(account.Id, projects.FolderId, 300, "project");
        await DeliverManyAsync(account.Id, alpha.FolderId, 100, "alpha");

        var maildir = Path.Combine(_work, "Mail");
        Directory.CreateDirectory(maildir);
        var config = Path.Combine(_work, "mbsyncrc");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            IMAPAccount restmail
            Host {server.Imaps.Address}
            Port {server.Imaps.Port}
            User {account.Address}
            Pass "{ImapServer.Password}"
            SSLType IMAPS
            CertificateFile {WriteServerCertificate()}
            AuthMechs PLAIN

            IMAPStore remote
            Account restmail

            MaildirStore local
            Path {maildir}/
            Inbox {maildir}/INBOX
            SubFolders Verbatim

            Channel mirror
            Far :remote:
            Near :local:
            Patterns *
            Create Near
            Expunge Near
            Sync Pull
            SyncState *

            """));
        // -Dn traces the IMAP commands: each message body is one BODY.PEEK[] fetch.
        string[] arguments = ["-Dn", "-c", config, "mirror"];
        static int BodiesFetched(ExternalProgram.Outcome run) => run.Output.Split("BODY.PEEK[]").Length - 1;

        var first = await ExternalProgram.RunAsync(mbsync, arguments);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(1000, BodiesFetched(first));
        // mbsync (zlib) turns on COMPRESS=DEFLATE when offered: the mirror above ran compressed.
        Assert.Contains("COMPRESS DEFLATE", first.Output, StringComparison.Ordinal);
        Assert.Equal(600, CountMaildir(Path.Combine(maildir, "INBOX")));
        Assert.Equal(300, CountMaildir(Path.Combine(maildir, "Projects")));
        Assert.Equal(100, CountMaildir(Path.Combine(maildir, "Projects", "Alpha")));
        Assert.True(Directory.Exists(Path.Combine(maildir, "Archive", "cur")), first.ToString());

        // On the server: a flag set, a message expunged, a message added.
        await mailbox.SetFlagsAsync(new FlagUpdate { MessageIds = [inbox[10].MessageId], Add = MessageFlags.Flagged });
        await mailbox.ExpungeAsync([project[5].MessageId]);
        await server.DeliverAsync(account.Id, ImapMessages.Simple("arrived later", "Late body."), alpha.FolderId);

        var second = await ExternalProgram.RunAsync(mbsync, arguments);
        Assert.True(second.ExitCode == 0, second.ToString());
        // Only the added message's body crosses the wire; the flag and the removal are metadata.
        Assert.Equal(1, BodiesFetched(second));
        Assert.Equal(600, CountMaildir(Path.Combine(maildir, "INBOX")));
        Assert.Equal(299, CountMaildir(Path.Combine(maildir, "Projects")));
        Assert.Equal(101, CountMaildir(Path.Combine(maildir, "Projects", "Alpha")));
        var flagged = Directory.GetFiles(Path.Combine(maildir, "INBOX", "cur")).Where(f => Path.GetFileName(f).Split(":2,").Last().Contains('F', StringComparison.Ordinal)).ToList();
        var flaggedFile = Assert.Single(flagged);
        Assert.Contains("Subject: inbox 10\n", File.ReadAllText(flaggedFile).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains(Directory.GetFiles(Path.Combine(maildir, "Projects", "Alpha", "new")).Concat(Directory.GetFiles(Path.Combine(maildir, "Projects", "Alpha", "cur"))),
            f => File.ReadAllText(f).Contains("Subject: arrived later", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Curl_lists_searches_and_fetches_byte_exact_over_IMAPS_and_STARTTLS()
    {
        var curl = ExternalProgram.Require("curl", "curl");
        var account = await server.CreateAccountAsync();
        await server.Grains.GetGrain<IMailboxGrain>(account.Id).CreateFolderAsync("Projects", FolderRole.None);
        var first = ImapMessages.Simple("first by curl");
        var second = ImapMessages.WithAttachment("second by curl");
        await server.DeliverAsync(account.Id, first);
        await server.DeliverAsync(account.Id, second);
        var certificate = WriteServerCertificate();
        // The certificate is verified for real: pinned with --cacert, the server's name resolved to loopback.
        string[] Common(int port) =>
            ["-sS", "--cacert", certificate, "--resolve", $"{ImapServer.Hostname}:{port}:{server.Imaps.Address}", "-u", $"{account.Address}:{ImapServer.Password}"];
        var imaps = $"imaps://{ImapServer.Hostname}:{server.Imaps.Port}";

        var list = await ExternalProgram.RunAsync(curl, [.. Common(server.Imaps.Port), imaps + "/"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("\"/\" \"INBOX\"", list.Output, StringComparison.Ordinal);
        Assert.Contains("\"/\" \"Projects\"", list.Output, StringComparison.Ordinal);

        var search = await ExternalProgram.RunAsync(curl, [.. Common(server.Imaps.Port), "-X", "UID SEARCH SUBJECT \"SECOND BY\"", imaps + "/INBOX"]);
        Assert.True(search.ExitCode == 0, search.ToString());
        Assert.Equal("* SEARCH 2", search.Output.Trim());

        var fetched = Path.Combine(_work, "fetched.eml");
        var fetch = await ExternalProgram.RunAsync(curl, [.. Common(server.Imaps.Port), "-o", fetched, imaps + "/INBOX;UID=2"]);
        Assert.True(fetch.ExitCode == 0, fetch.ToString());
        Assert.Equal(second, await File.ReadAllBytesAsync(fetched, Ct));

        var startTls = await ExternalProgram.RunAsync(curl,
            [.. Common(server.Imap.Port), "--ssl-reqd", "-o", fetched, $"imap://{ImapServer.Hostname}:{server.Imap.Port}/INBOX;UID=1"]);
        Assert.True(startTls.ExitCode == 0, startTls.ToString());
        Assert.Equal(first, await File.ReadAllBytesAsync(fetched, Ct));
    }

    [Fact]
    public async Task Mutt_in_batch_mode_reads_a_message_and_moves_it_to_another_folder()
    {
        var mutt = ExternalProgram.Require("mutt", "mutt");
        // mutt insists on a terminal; script(1) from util-linux gives it a pseudo-terminal.
        var script = ExternalProgram.Require("script", "bsdutils");
        var account = await server.CreateAccountAsync();
        var raw = ImapMessages.Simple("read and moved by mutt", "Mutt was here.");
        await server.DeliverAsync(account.Id, raw);
        var piped = Path.Combine(_work, "piped.eml");
        var certificates = WriteServerCertificate();
        var rc = Path.Combine(_work, "muttrc");
        File.WriteAllText(rc, string.Create(CultureInfo.InvariantCulture, $"""
            set imap_user="{account.Address}"
            set imap_pass="{ImapServer.Password}"
            set folder="imaps://{server.Imaps.Address}:{server.Imaps.Port}/"
            set spoolfile="+INBOX"
            set certificate_file="{certificates}"
            set ssl_verify_host=no
            set header_cache=""
            set message_cachedir=""
            set confirmappend=no
            set confirmcreate=no
            set delete=yes
            set move=no
            set mark_old=no
            set wait_key=no
            set pipe_decode=no
            set quit=yes
            set imap_passive=no
            push "<pipe-message>cat > {piped}<enter><save-message>=Archive<enter><sync-mailbox><quit>"

            """));
        var run = await ExternalProgram.RunAsync(script, ["-q", "-e", "-c", $"{mutt} -n -F {rc}", "/dev/null"],
            environment: new Dictionary<string, string> { ["TERM"] = "xterm", ["HOME"] = _work }, timeout: TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(piped), run.ToString());
        Assert.Contains("Mutt was here.", File.ReadAllText(piped), StringComparison.Ordinal);

        using var client = await server.ConnectAsync(account.Address);
        await client.Inbox.StatusAsync(MailKit.StatusItems.Count, Ct);
        Assert.Equal(0, client.Inbox.Count);
        var archive = client.GetFolder(MailKit.SpecialFolder.Archive)!;
        await archive.OpenAsync(MailKit.FolderAccess.ReadOnly, Ct);
        Assert.Equal(1, archive.Count);
        Assert.Equal("read and moved by mutt", (await archive.GetMessageAsync(0, Ct)).Subject);
    }

    public void Dispose()
    {
        if (Directory.Exists(_work))
            Directory.Delete(_work, recursive: true);
    }
}
