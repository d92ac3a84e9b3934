using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RestMail.Tests.Interop;

/// <summary>
/// A private Postfix (Debian's package) on 127.0.0.1: its own configuration, queue and mail
/// directories under a temporary directory, no DNS (routes come from its transport table), and
/// virtual mailboxes delivered to Maildirs there. Runs as root, as Postfix's master must.
/// </summary>
public sealed class PostfixInstance : IAsyncDisposable
{
    private const string Postfix = "/usr/sbin/postfix";

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"rmt-postfix-{Guid.NewGuid():N}");
    private bool _started;

    public PostfixInstance(string domain, int port)
        : this(domain, IPAddress.Loopback, port)
    {
    }

    /// <summary>A Postfix on an address of its own: it listens there and sends from there (smtp_bind_address), as a separate host would.</summary>
    public PostfixInstance(string domain, IPAddress address, int port)
    {
        Domain = domain;
        Address = address;
        Port = port;
    }

    /// <summary>The loopback address it listens on and sends from.</summary>
    public IPAddress Address { get; }

    /// <summary>The domain this Postfix is final destination for.</summary>
    public string Domain { get; }

    /// <summary>The port its SMTP server listens on at <see cref="Address"/>.</summary>
    public int Port { get; }

    private string Config => Path.Combine(_root, "conf");

    private string Mail => Path.Combine(_root, "mail");

    /// <summary>Writes the configuration and starts Postfix; <paramref name="routes"/> maps a domain to "host:port".</summary>
    public async Task StartAsync(IReadOnlyList<string> mailboxes, IReadOnlyDictionary<string, string> routes)
    {
        if (!File.Exists(Postfix))
            throw new InvalidOperationException("Postfix is not installed: apt-get install postfix (.ci/run does this).");
        foreach (var directory in new[] { Config, Mail, Path.Combine(_root, "queue"), Path.Combine(_root, "data") })
            Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(Config, "main.cf"), MainCf());
        await File.WriteAllTextAsync(Path.Combine(Config, "master.cf"), MasterCf());
        await File.WriteAllLinesAsync(Path.Combine(Config, "vmailbox"), mailboxes.Select(m => $"{m}@{Domain} {m}/"));
        await File.WriteAllLinesAsync(Path.Combine(Config, "transport"), routes.Select(r => $"{r.Key} smtp:[{r.Value[..r.Value.LastIndexOf(':')]}]{r.Value[r.Value.LastIndexOf(':')..]}"));
        // Virtual delivery writes as nobody; Postfix's data directory belongs to its own user.
        await RunAsync("chown", "65534:65534", Mail);
        await RunAsync("chown", "postfix", Path.Combine(_root, "data"));
        await RunAsync(Postfix, "-c", Config, "start");
        _started = true;
        await WaitForListenerAsync();
    }

    /// <summary>Every message delivered to <paramref name="mailbox"/> so far, as raw bytes.</summary>
    public IReadOnlyList<byte[]> Delivered(string mailbox)
    {
        var fresh = Path.Combine(Mail, mailbox, "new");
        return Directory.Exists(fresh) ? [.. Directory.GetFiles(fresh).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)] : [];
    }

    /// <summary>Waits until <paramref name="mailbox"/> holds <paramref name="count"/> messages; fails with Postfix's log otherwise.</summary>
    public async Task<IReadOnlyList<byte[]>> WaitForDeliveredAsync(string mailbox, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Delivered(mailbox).Count < count && DateTime.UtcNow < deadline)
            await Task.Delay(100, TestContext.Current.CancellationToken);
        var delivered = Delivered(mailbox);
        Assert.True(delivered.Count >= count, $"Postfix delivered {delivered.Count} of {count} to {mailbox}. Its log:\n{Log()}");
        return delivered;
    }

    /// <summary>Postfix's own log, for failure messages.</summary>
    public string Log()
    {
        var path = Path.Combine(_root, "maillog");
        return File.Exists(path) ? File.ReadAllText(path) : "(no log)";
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            try
            {
                await RunAsync(Postfix, "-c", Config, "stop");
            }
            catch (InvalidOperationException)
            {
                await RunAsync(Postfix, "-c", Config, "abort");
            }
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A queue file still being written by an exiting daemon: the temporary directory stays.
        }
    }

    // Postfix refuses an inet_interfaces address that no interface carries, and 127.0.0.14 is local only
    // through lo's 127/8 route; "all" passes its check, and the listener's address comes from master.cf.
    private string InetInterfaces => Address.Equals(IPAddress.Loopback) ? "127.0.0.1" : "all";

    private string MainCf() => string.Create(CultureInfo.InvariantCulture, $"""
        compatibility_level = 3.6
        queue_directory = {_root}/queue
        data_directory = {_root}/data
        maillog_file_prefixes = {_root}
        maillog_file = {_root}/maillog
        myhostname = mx.{Domain}
        mydomain = {Domain}
        myorigin = {Domain}
        mydestination =
        inet_interfaces = {InetInterfaces}
        smtp_bind_address = {Address}
        inet_protocols = ipv4
        mynetworks = 127.0.0.0/8
        smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
        smtp_dns_support_level = disabled
        smtp_host_lookup = native
        smtp_tls_security_level = may
        smtpd_tls_security_level = none
        virtual_mailbox_domains = {Domain}
        virtual_mailbox_base = {Mail}
        virtual_mailbox_maps = texthash:{Config}/vmailbox
        virtual_uid_maps = static:65534
        virtual_gid_maps = static:65534
        transport_maps = texthash:{Config}/transport
        biff = no

        """);

    /// <summary>Only the services this test needs, none chrooted (the temporary root has no chroot jail).</summary>
    private string MasterCf() => string.Create(CultureInfo.InvariantCulture, $"""
        {Address}:{Port} inet n - n - - smtpd
        pickup    unix  n - n 60 1 pickup
        cleanup   unix  n - n - 0 cleanup
        qmgr      unix  n - n 300 1 qmgr
        rewrite   unix  - - n - - trivial-rewrite
        bounce    unix  - - n - 0 bounce
        defer     unix  - - n - 0 bounce
        trace     unix  - - n - 0 bounce
        verify    unix  - - n - 1 verify
        flush     unix  n - n 1000? 0 flush
        proxymap  unix  - - n - - proxymap
        smtp      unix  - - n - - smtp
        relay     unix  - - n - - smtp
        showq     unix  n - n - - showq
        error     unix  - - n - - error
        retry     unix  - - n - - error
        discard   unix  - - n - - discard
        virtual   unix  - n n - - virtual
        anvil     unix  - - n - 1 anvil
        scache    unix  - - n - 1 scache
        tlsmgr    unix  - - n 1000? 1 tlsmgr
        postlog   unix-dgram n - n - 1 postlogd

        """);

    private async Task WaitForListenerAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(Address, Port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"Postfix did not listen on {Address}:{Port}. Its log:\n{Log()}", e);
            }
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
    }
}
