using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Gateways.Imap;
using RestMail.Grains.Mailboxes;
using RestMail.Silo.Hosting;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;

namespace RestMail.Bench.Imap;

/// <summary>
/// REST Mail as `serve` runs it (the real host, embedded PostgreSQL with fsync on), in a process of
/// its own so that its memory is the server's alone, not the benchmark client's. The child loads the
/// corpus through the same durable path SMTP delivery takes (blob store, then the mailbox grain),
/// says READY with its IMAP port, and then obeys one-word commands on stdin ("gc").
/// </summary>
internal sealed class RestMailImapServer : IAsyncDisposable
{
    public const string Domain = "rest.test";
    public const string User = "bench@rest.test";
    public const string Password = "bench password 1234";

    private readonly Process _process;

    private RestMailImapServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>Starts the child (same executable, hidden `imap-server` command) and waits until it has loaded the corpus.</summary>
    public static async Task<RestMailImapServer> StartAsync(string dataDir, int messages)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var argument in new[] { "imap-server", "--dir", dataDir, "--messages", messages.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("The REST Mail child did not start.");
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("READY ", StringComparison.Ordinal))
                return new RestMailImapServer(process, int.Parse(line[6..], CultureInfo.InvariantCulture));
            Console.Error.WriteLine("  [restmail] " + line);
        }
        throw new InvalidOperationException("The REST Mail child exited before it was ready.");
    }

    /// <summary>A full, compacting collection in the server, so that RSS shows live memory rather than garbage not yet collected.</summary>
    public async Task CollectGarbageAsync()
    {
        await _process.StandardInput.WriteLineAsync("gc");
        await _process.StandardInput.FlushAsync();
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == "gc done")
                return;
            Console.Error.WriteLine("  [restmail] " + line);
        }
        throw new InvalidOperationException("The REST Mail child exited.");
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        _process.Dispose();
    }

    /// <summary>The child's side: host, account, corpus, then serve until stdin closes.</summary>
    public static async Task ServeAsync(string dataDir, int messages)
    {
        if (Directory.Exists(dataDir))
            Directory.Delete(dataDir, recursive: true);
        Directory.CreateDirectory(dataDir);
        await using var host = await RestMailHost.BuildAsync(["--data-dir", dataDir], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RestMail:Hostname"] = "mx." + Domain,
            ["RestMail:Http:Address"] = "127.0.0.1",
            ["RestMail:Http:Port"] = "0",
            ["RestMail:Silo:Port"] = FreePort(),
            ["RestMail:Silo:GatewayPort"] = FreePort(),
            ["RestMail:Smtp:Enabled"] = "false",
            ["RestMail:Submission:Enabled"] = "false",
            ["RestMail:Submissions:Enabled"] = "false",
            ["RestMail:Imap:Address"] = "127.0.0.1",
            ["RestMail:Imap:Port"] = "0",
            // A thousand sessions from one address is the point of the exercise.
            ["RestMail:Imap:MaxConnectionsPerIp"] = "100000",
            // Loopback, no TLS on either side: Dovecot lets plaintext logins in from 127.0.0.1 too.
            ["RestMail:Imap:AllowPlaintextAuth"] = "true",
            ["RestMail:Imaps:Enabled"] = "false",
            ["RestMail:Pop3:Enabled"] = "false",
            ["RestMail:Pop3s:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await host.StartAsync();
        var directory = host.App.Services.GetRequiredService<DirectoryStore>();
        Check((await directory.CreateDomainAsync(Domain, null, default)).IsOk);
        var account = await directory.CreateAccountAsync(new NewAccount(User, Password), default);
        Check(account.IsOk);
        var clock = Stopwatch.StartNew();
        await LoadAsync(host.App.Services, account.Value!.Id, messages);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {messages} messages in {clock.Elapsed.TotalSeconds:F0} s"));
        var port = host.App.Services.GetRequiredService<ImapListeners>().EndPoints.Values.Single().Port;
        Console.WriteLine("READY " + port.ToString(CultureInfo.InvariantCulture));
        while (Console.ReadLine() is { } command)
        {
            if (command == "gc")
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                Console.WriteLine("gc done");
            }
        }
        await host.App.StopAsync();
    }

    /// <summary>
    /// The corpus in order (one generator, so both servers get the same bytes), stored by 64 workers
    /// at once as concurrent SMTP sessions would: the mailbox grain commits them in batches.
    /// </summary>
    private static async Task LoadAsync(IServiceProvider services, long accountId, int messages)
    {
        var blobs = services.GetRequiredService<BlobStore>();
        var mailbox = services.GetRequiredService<IGrainFactory>().GetGrain<IMailboxGrain>(accountId);
        var queue = Channel.CreateBounded<byte[]>(256);
        var producer = Task.Run(async () =>
        {
            var corpus = new Corpus(ImapBenchmark.CorpusSeed);
            for (var i = 0; i < messages; i++)
                await queue.Writer.WriteAsync(corpus.Message(i, ImapBenchmark.MessageSize));
            queue.Writer.Complete();
        });
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            await foreach (var raw in queue.Reader.ReadAllAsync())
            {
                var content = await blobs.StoreAsync(raw, default);
                var result = await mailbox.DeliverAsync(new DeliveryRequest { Content = content });
                if (result.Status != DeliveryStatus.Stored)
                    throw new InvalidOperationException($"Delivery failed: {result.Status}");
            }
        })));
        await producer;
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }

    private static void Check(bool condition)
    {
        if (!condition)
            throw new InvalidOperationException("REST Mail setup failed.");
    }
}
