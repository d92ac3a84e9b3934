using System.Globalization;

namespace RestMail.Bench.Smtp;

/// <summary>
/// The classic stack to compare with, from Debian's packages: a private Postfix (its own config,
/// queue and log under a directory, port 127.0.0.1:<see cref="SmtpPort"/>) handing mail for one
/// domain over LMTP to a private Dovecot that stores it in Maildirs. Both keep their defaults for
/// durability (Postfix fsyncs its queue files, Dovecot its Maildir files). Needs root.
/// </summary>
internal sealed class PostfixDovecot : IAsyncDisposable
{
    public const string Domain = "legacy.test";

    private readonly string _root;
    private readonly int _lmtpPort;

    private PostfixDovecot(string root, int smtpPort, int lmtpPort)
    {
        _root = root;
        SmtpPort = smtpPort;
        _lmtpPort = lmtpPort;
    }

    public int SmtpPort { get; }

    private string Mail => Path.Combine(_root, "mail");

    public static async Task<PostfixDovecot> StartAsync(string root, int smtpPort, int lmtpPort)
    {
        foreach (var program in new[] { "/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/lib/dovecot/lmtp" })
        {
            if (!File.Exists(program))
                throw new InvalidOperationException($"{program} is missing: apt-get install postfix dovecot-lmtpd");
        }
        var stack = new PostfixDovecot(root, smtpPort, lmtpPort);
        foreach (var directory in new[] { "postfix", "queue", "data", "dovecot-run", "dovecot-state", "mail" })
            Directory.CreateDirectory(Path.Combine(root, directory));
        await ExternalProcess.RunAsync("chown", "65534:65534", stack.Mail);
        await ExternalProcess.RunAsync("chown", "postfix", Path.Combine(root, "data"));
        await File.WriteAllTextAsync(Path.Combine(root, "dovecot.conf"), stack.DovecotConf());
        await File.WriteAllTextAsync(Path.Combine(root, "postfix", "main.cf"), stack.MainCf());
        await File.WriteAllTextAsync(Path.Combine(root, "postfix", "master.cf"), stack.MasterCf());
        await ExternalProcess.RunAsync("/usr/sbin/dovecot", "-c", Path.Combine(root, "dovecot.conf"));
        await ExternalProcess.RunAsync("/usr/sbin/postfix", "-c", Path.Combine(root, "postfix"), "start");
        await ExternalProcess.WaitForListenerAsync(smtpPort);
        await ExternalProcess.WaitForListenerAsync(lmtpPort);
        return stack;
    }

    /// <summary>Messages Dovecot has stored in <paramref name="user"/>'s Maildir.</summary>
    public int Stored(string user)
    {
        var fresh = Path.Combine(Mail, user, "new");
        return Directory.Exists(fresh) ? Directory.GetFiles(fresh).Length : 0;
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalProcess.RunAsync("/usr/sbin/postfix", "-c", Path.Combine(_root, "postfix"), "stop");
        await ExternalProcess.RunAsync("/usr/sbin/dovecot", "-c", Path.Combine(_root, "dovecot.conf"), "stop");
    }

    private string DovecotConf() => string.Create(CultureInfo.InvariantCulture, $$"""
        base_dir = {{_root}}/dovecot-run
        state_dir = {{_root}}/dovecot-state
        log_path = {{_root}}/dovecot.log
        protocols = lmtp
        listen = 127.0.0.1
        ssl = no
        mail_location = maildir:{{Mail}}/%n
        mail_uid = 65534
        mail_gid = 65534
        first_valid_uid = 1
        userdb {
          driver = static
          args = uid=65534 gid=65534 home={{Mail}}/%n allow_all_users=yes
        }
        passdb {
          driver = static
          args = nopassword=y
        }
        service lmtp {
          inet_listener lmtp {
            address = 127.0.0.1
            port = {{_lmtpPort}}
          }
        }
        service anvil {
          chroot =
        }

        """);

    private string MainCf() => string.Create(CultureInfo.InvariantCulture, $"""
        compatibility_level = 3.6
        queue_directory = {_root}/queue
        data_directory = {_root}/data
        maillog_file_prefixes = {_root}
        maillog_file = {_root}/maillog
        myhostname = mx.{Domain}
        mydestination =
        inet_interfaces = 127.0.0.1
        inet_protocols = ipv4
        mynetworks = 127.0.0.0/8
        smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
        smtp_dns_support_level = disabled
        virtual_mailbox_domains = {Domain}
        virtual_transport = lmtp:inet:127.0.0.1:{_lmtpPort}
        biff = no

        """);

    private string MasterCf() => string.Create(CultureInfo.InvariantCulture, $"""
        127.0.0.1:{SmtpPort} inet n - n - - smtpd
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
        lmtp      unix  - - n - - lmtp
        anvil     unix  - - n - 1 anvil
        scache    unix  - - n - 1 scache
        postlog   unix-dgram n - n - 1 postlogd

        """);
}
