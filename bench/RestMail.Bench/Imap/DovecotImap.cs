using System.Diagnostics;
using System.Globalization;

namespace RestMail.Bench.Imap;

/// <summary>
/// Debian's Dovecot (dovecot-imapd) as a private instance: its own config, base and state
/// directories under a root, IMAP on 127.0.0.1 with plaintext LOGIN allowed (loopback only, no TLS,
/// as the REST Mail side), one static user with a Maildir. Limits are raised so that a thousand
/// sessions from one address fit (per-user connections, process counts); everything else keeps
/// Dovecot's defaults, full-text search plugins included (none). Needs root.
/// </summary>
internal sealed class DovecotImap : IAsyncDisposable
{
    public const string User = "bench";
    public const string Password = "benchpass";

    private readonly string _root;

    private DovecotImap(string root, int port)
    {
        _root = root;
        Port = port;
    }

    public int Port { get; }

    private string Config => Path.Combine(_root, "dovecot.conf");

    private string Maildir => Path.Combine(_root, "mail", User);

    /// <summary>The master process (the root of Dovecot's process tree).</summary>
    public int MasterPid => int.Parse(File.ReadAllText(Path.Combine(_root, "run", "master.pid")).Trim(), CultureInfo.InvariantCulture);

    public static async Task<DovecotImap> StartAsync(string root, int port, int messages)
    {
        if (!File.Exists("/usr/lib/dovecot/imap"))
            throw new InvalidOperationException("/usr/lib/dovecot/imap is missing: apt-get install dovecot-imapd");
        var dovecot = new DovecotImap(root, port);
        foreach (var directory in new[] { "run", "state" })
            Directory.CreateDirectory(Path.Combine(root, directory));
        var clock = Stopwatch.StartNew();
        await dovecot.WriteMaildirAsync(messages);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [dovecot] wrote {messages} Maildir files in {clock.Elapsed.TotalSeconds:F0} s"));
        await ExternalProcess.RunAsync("chown", "-R", "65534:65534", Path.Combine(root, "mail"));
        await File.WriteAllTextAsync(dovecot.Config, dovecot.ConfigText());
        await ExternalProcess.RunAsync("/usr/sbin/dovecot", "-c", dovecot.Config);
        await ExternalProcess.WaitForListenerAsync(port);
        return dovecot;
    }

    /// <summary>
    /// The same messages, written as Maildir files in cur/ (the state Dovecot leaves delivered mail in
    /// once a client has seen the folder). The name carries the size (",S="), as Dovecot's own do.
    /// </summary>
    private async Task WriteMaildirAsync(int messages)
    {
        foreach (var sub in new[] { "cur", "new", "tmp" })
            Directory.CreateDirectory(Path.Combine(Maildir, sub));
        var corpus = new Corpus(ImapBenchmark.CorpusSeed);
        for (var i = 0; i < messages; i++)
        {
            var raw = corpus.Message(i, ImapBenchmark.MessageSize);
            var name = string.Create(CultureInfo.InvariantCulture, $"{1_790_000_000 + i}.M{i}P1.bench,S={raw.Length}:2,");
            await File.WriteAllBytesAsync(Path.Combine(Maildir, "cur", name), raw);
        }
    }

    public async ValueTask DisposeAsync() => await ExternalProcess.RunAsync("/usr/sbin/dovecot", "-c", Config, "stop");

    private string ConfigText() => string.Create(CultureInfo.InvariantCulture, $$"""
        base_dir = {{_root}}/run
        state_dir = {{_root}}/state
        log_path = {{_root}}/dovecot.log
        protocols = imap
        listen = 127.0.0.1
        ssl = no
        disable_plaintext_auth = no
        auth_mechanisms = plain login
        mail_location = maildir:{{_root}}/mail/%n
        mail_uid = 65534
        mail_gid = 65534
        first_valid_uid = 1
        default_client_limit = 5000
        userdb {
          driver = static
          args = uid=65534 gid=65534 home={{_root}}/mail/%n
        }
        passdb {
          driver = static
          args = password={{Password}}
        }
        protocol imap {
          mail_max_userip_connections = 5000
        }
        service imap-login {
          inet_listener imap {
            address = 127.0.0.1
            port = {{Port}}
          }
          inet_listener imaps {
            port = 0
          }
          process_limit = 4
          client_limit = 2000
          service_count = 0
        }
        service imap {
          process_limit = 5000
        }
        service anvil {
          chroot =
        }

        """);
}
