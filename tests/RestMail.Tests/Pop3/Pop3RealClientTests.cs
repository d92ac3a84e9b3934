using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Pop3;

/// <summary>
/// The programs people really collect mail with, from Debian's packages: fetchmail and getmail6
/// download 500 messages over TLS (keeping them, then deleting them) and a second run finds nothing
/// new; curl's POP3 support lists and retrieves.
/// </summary>
public sealed partial class Pop3RealClientTests(Pop3Server server) : IClassFixture<Pop3Server>, IDisposable
{
    private const int Bulk = 500;
    // On tmpfs when there is one: the clients fsync every message they store, which a busy disk makes
    // slow enough to matter for 500 messages.
    private readonly string _directory = Directory.Exists("/dev/shm")
        ? Directory.CreateDirectory(Path.Combine("/dev/shm", $"rmt-pop3-client-{Guid.NewGuid():N}")).FullName
        : Directory.CreateTempSubdirectory("rmt-pop3-client-").FullName;

    /// <summary>The server's certificate alone (the data directory's file also holds the key), for the clients' CA file.</summary>
    private string CertificateFile()
    {
        var pem = File.ReadAllText(server.CertificatePath);
        var start = pem.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        const string end = "-----END CERTIFICATE-----";
        var path = Path.Combine(_directory, "server.pem");
        File.WriteAllText(path, pem[start..(pem.IndexOf(end, start, StringComparison.Ordinal) + end.Length)] + "\n");
        return path;
    }

    private async Task<(long Id, string Address)> AccountWithBulkAsync()
    {
        var account = await server.CreateAccountAsync();
        await server.DeliverManyAsync(account.Id, Enumerable.Range(1, Bulk).Select(i => Pop3Server.Message(
            string.Create(CultureInfo.InvariantCulture, $"Bulk {i}"), ".a line that needs stuffing\r\nand one that does not")));
        return (account.Id, account.Address);
    }

    /// <summary>The "Bulk n" subjects found in the downloaded files, sorted.</summary>
    private static List<int> Subjects(IEnumerable<string> files) =>
        [.. files.Select(f => int.Parse(SubjectPattern().Match(File.ReadAllText(f)).Groups[1].Value, CultureInfo.InvariantCulture)).Order()];

    private static void AssertAllBulkMessages(IEnumerable<string> files)
    {
        var list = files.ToList();
        Assert.Equal(Enumerable.Range(1, Bulk), Subjects(list));
        // Byte-stuffing was undone by the client: the body is as it was sent.
        Assert.All(list, f => Assert.Contains("\n.a line that needs stuffing", File.ReadAllText(f), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fetchmail_downloads_500_messages_over_TLS_and_a_second_run_finds_nothing_new(bool keep)
    {
        var fetchmail = ExternalProgram.Require("fetchmail", "fetchmail");
        var (accountId, address) = await AccountWithBulkAsync();
        var mailDir = Directory.CreateDirectory(Path.Combine(_directory, "mail")).FullName;
        var rc = Path.Combine(_directory, "fetchmailrc");
        // Implicit TLS; the certificate is checked against the pinned file and the server name.
        await File.WriteAllTextAsync(rc, $"""
            set no syslog
            poll {Pop3Server.Hostname} via 127.0.0.1 service {server.Pop3s.Port} protocol pop3 uidl timeout 120
              user "{address}" there with password "{ApiServer.Password}" is root here
              ssl sslcertck sslcertfile "{CertificateFile()}" sslcommonname "{Pop3Server.Hostname}"
              {(keep ? "keep" : "nokeep")}
              mda "/bin/sh -c 'cat > {mailDir}/msg.$$'"

            """, TestContext.Current.CancellationToken);
        // fetchmail refuses a run control file that others may read: it holds a password.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string[] arguments = ["-f", rc, "--idfile", Path.Combine(_directory, "fetchids"), "--pidfile", Path.Combine(_directory, "fetchmail.pid"), "-v"];
        var environment = new Dictionary<string, string> { ["HOME"] = _directory };

        var (exit, output) = await ExternalProgram.RunAsync(fetchmail, arguments, environment);
        Assert.True(exit == 0, output);
        AssertAllBulkMessages(Directory.GetFiles(mailDir));
        Assert.Equal(keep ? Bulk : 0, (await server.InboxAsync(accountId)).Total);

        // Exit code 1: "no mail".
        (exit, output) = await ExternalProgram.RunAsync(fetchmail, arguments, environment);
        Assert.True(exit == 1, output);
        Assert.Equal(Bulk, Directory.GetFiles(mailDir).Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Getmail_downloads_500_messages_over_TLS_and_a_second_run_finds_nothing_new(bool keep)
    {
        var getmail = ExternalProgram.Require("getmail", "getmail6");
        var (accountId, address) = await AccountWithBulkAsync();
        var mailDir = Directory.CreateDirectory(Path.Combine(_directory, "mail")).FullName;
        var rc = Path.Combine(_directory, "getmailrc");
        // An external MDA rather than getmail's Maildir: getmail forks a child per delivery and installs
        // its SIGCHLD handler only after fork(), so a child that finishes first (a fast Maildir write
        // on a busy two-core machine) goes unnoticed and the run fails with "waiting child pid timed
        // out". The command's short sleep keeps the child alive past that window. As root (CI) getmail
        // runs external commands only when told it may.
        await File.WriteAllTextAsync(rc, $"""
            [retriever]
            type = SimplePOP3SSLRetriever
            server = 127.0.0.1
            port = {server.Pop3s.Port}
            username = {address}
            password = {ApiServer.Password}
            ca_certs = {CertificateFile()}
            ssl_cert_hostname = {Pop3Server.Hostname}

            [destination]
            type = MDA_external
            path = /bin/sh
            arguments = ("-c", "sleep 0.1; cat > {mailDir}/msg.$$")
            allow_root_commands = true

            [options]
            read_all = false
            delete = {(keep ? "false" : "true")}
            verbose = 1

            """, TestContext.Current.CancellationToken);
        string[] arguments = ["--getmaildir", _directory, "--rcfile", rc];

        var (exit, output) = await ExternalProgram.RunAsync(getmail, arguments);
        Assert.True(exit == 0, output);
        AssertAllBulkMessages(Directory.GetFiles(mailDir));
        Assert.Equal(keep ? Bulk : 0, (await server.InboxAsync(accountId)).Total);

        (exit, output) = await ExternalProgram.RunAsync(getmail, arguments);
        Assert.True(exit == 0, output);
        Assert.Matches(@"\s0 messages \(0 bytes\) retrieved", output);
        Assert.Equal(Bulk, Directory.GetFiles(mailDir).Length);
    }

    [Fact]
    public async Task Curl_lists_and_retrieves_over_STLS_and_implicit_TLS()
    {
        var curl = ExternalProgram.Require("curl", "curl");
        var account = await server.CreateAccountAsync();
        var first = Pop3Server.Message("curl one");
        var second = Pop3Server.Message("curl two", ".dot line\r\nend");
        await server.DeliverAsync(account.Id, first);
        await server.DeliverAsync(account.Id, second);
        var certificate = CertificateFile();
        string[] Arguments(string scheme, int port, string path) =>
        [
            "-sS", "--ssl-reqd", "--cacert", certificate, "--resolve", $"{Pop3Server.Hostname}:{port}:127.0.0.1",
            "-u", $"{account.Address}:{ApiServer.Password}", $"{scheme}://{Pop3Server.Hostname}:{port}/{path}",
        ];

        var (exit, output) = await ExternalProgram.RunAsync(curl, Arguments("pop3", server.Pop3.Port, ""));
        Assert.True(exit == 0, output);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"1 {first.Length}\r\n2 {second.Length}\r\n"), output);

        (exit, output) = await ExternalProgram.RunAsync(curl, Arguments("pop3s", server.Pop3s.Port, "2"));
        Assert.True(exit == 0, output);
        Assert.Equal(Encoding.ASCII.GetString(second), output);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [GeneratedRegex(@"Subject: Bulk (\d+)\r?\n")]
    private static partial Regex SubjectPattern();
}
