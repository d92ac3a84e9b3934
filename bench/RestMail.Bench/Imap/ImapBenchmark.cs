using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RestMail.Bench.Imap;

/// <summary>
/// IMAP, side by side in one run: REST Mail (the real host in a process of its own, embedded
/// PostgreSQL, fsync on) and Debian's Dovecot (Maildir, no full-text plugin), each holding the same
/// messages in one folder. Measured the same way on both, with the same client code: memory per idle
/// session (a thousand sessions logged in, folder selected, in IDLE), FETCH throughput and latency,
/// and text SEARCH latency.
/// </summary>
internal static class ImapBenchmark
{
    public const int CorpusSeed = 1;
    public const int MessageSize = 1500;

    private sealed record Server(string Name, int Port, string User, string Password);

    public static async Task RunAsync(string directory, int messages, int sessions, int rounds)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The IMAP benchmark runs Dovecot and reads /proc: Linux only.");
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        // World-traversable: Dovecot's mail user (nobody) and postgres work below it.
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var clock = Stopwatch.StartNew();
        await using var dovecot = await DovecotImap.StartAsync(Path.Combine(directory, "dovecot"), FreePort(), messages);
        await using var restMail = await RestMailImapServer.StartAsync(Path.Combine(directory, "restmail"), messages);
        var servers = new[]
        {
            new Server("REST Mail", restMail.Port, RestMailImapServer.User, RestMailImapServer.Password),
            new Server("Dovecot", dovecot.Port, DovecotImap.User, DovecotImap.Password),
        };
        // Dovecot indexes the Maildir on the first SELECT; a first full FETCH fills both servers' caches
        // the way a client's first sync would. Neither is timed.
        foreach (var server in servers)
        {
            await using var wire = await ImapWire.LoginAsync(server.Port, server.User, server.Password);
            var selected = await wire.CommandAsync("SELECT INBOX", keepLines: true);
            if (!selected.Lines.Contains($"* {messages} EXISTS"))
                throw new InvalidOperationException($"{server.Name} does not hold {messages} messages: {string.Join(" | ", selected.Lines)}");
            await wire.CommandAsync("FETCH 1:* (UID FLAGS)");
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  loaded and indexed in {clock.Elapsed.TotalSeconds:F0} s"));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# IMAP: REST Mail vs Dovecot ({Environment.ProcessorCount} cores, one folder of {messages:N0} messages of about {MessageSize} bytes)"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"## Memory per idle session ({sessions:N0} sessions: LOGIN, SELECT INBOX, IDLE)"));
        Console.WriteLine();
        Console.WriteLine("| server | measured | before MiB | after MiB | per session KiB |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        await IdleMemoryAsync(servers[0], sessions, restMail.CollectGarbageAsync, [
            ("serve process RSS (after full GC)", () => ProcessMemory.Tree(restMail.Pid, _ => false).RssBytes),
            ("serve process + PostgreSQL, PSS (after full GC)", () => ProcessMemory.Of(restMail.Pid).PssBytes),
        ], ("serve process RSS (no forced GC)", () => ProcessMemory.Tree(restMail.Pid, _ => false).RssBytes));
        await IdleMemoryAsync(servers[1], sessions, () => Task.CompletedTask, [
            ("all processes, sum of RSS", () => ProcessMemory.Of(dovecot.MasterPid).RssBytes),
            ("all processes, sum of PSS", () => ProcessMemory.Of(dovecot.MasterPid).PssBytes),
        ], null);

        for (var round = 1; round <= rounds; round++)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"## FETCH and SEARCH (round {round} of {rounds})"));
            Console.WriteLine();
            Console.WriteLine("| command | server | first run ms (untimed) | runs | results per run | p50 ms | p99 ms | messages/s | REST Mail / Dovecot (p50 time) |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            await CompareAsync(servers, "UID FETCH 1:* (UID FLAGS)", 5, _ => "UID FETCH 1:* (UID FLAGS)", messages);
            var ranges = new Random(round);
            var starts = Enumerable.Range(0, 200).Select(_ => ranges.Next(1, messages - 99)).ToArray();
            await CompareAsync(servers, "FETCH n:n+99 (ENVELOPE BODYSTRUCTURE)", 200, i => $"FETCH {starts[i]}:{starts[i] + 99} (ENVELOPE BODYSTRUCTURE)", 100);
            await CompareAsync(servers, "FETCH n BODY.PEEK[] (random n)", 500, i => $"FETCH {starts[i % 200] + (i / 200)} BODY.PEEK[]", 1);
            var words = new Random(round);
            var word = Enumerable.Range(0, 50).Select(_ => Corpus.Words[words.Next(Corpus.Words.Length)]).ToArray();
            await CompareAsync(servers, "SEARCH TEXT word", 20, i => $"SEARCH TEXT {word[i]}", 0);
            await CompareAsync(servers, "SEARCH BODY word", 20, i => $"SEARCH BODY {word[i + 20]}", 0);
            await CompareAsync(servers, "SEARCH SUBJECT word", 20, i => $"SEARCH SUBJECT {word[(i + 40) % 50]}", 0);
            await CompareAsync(servers, "SEARCH FROM address", 20, i => $"SEARCH FROM sender{(i * 37) % 500}@remote.test", 0);
        }
    }

    /// <summary>
    /// Opens the sessions (16 logging in at a time), leaves them in IDLE, and reports memory before
    /// and after per measure. The first session before the baseline pays the one-time costs
    /// (activations, caches) so that the difference is what sessions cost.
    /// </summary>
    private static async Task IdleMemoryAsync(Server server, int sessions, Func<Task> settle,
        (string Name, Func<long> Bytes)[] measures, (string Name, Func<long> Bytes)? unsettled)
    {
        await using (var first = await ImapWire.LoginAsync(server.Port, server.User, server.Password))
        {
            await first.CommandAsync("SELECT INBOX");
            await first.CommandAsync("LOGOUT");
        }
        await Task.Delay(2000);
        await settle();
        var before = measures.Select(m => m.Bytes()).ToArray();
        var unsettledBefore = unsettled?.Bytes() ?? 0;

        var open = new ImapWire[sessions];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < sessions)
            {
                var wire = await ImapWire.LoginAsync(server.Port, server.User, server.Password, bufferSize: 4096);
                await wire.CommandAsync("SELECT INBOX");
                await wire.IdleAsync();
                open[i] = wire;
            }
        })));
        await Task.Delay(3000);
        var unsettledAfter = unsettled?.Bytes() ?? 0;
        await settle();
        var after = measures.Select(m => m.Bytes()).ToArray();

        for (var i = 0; i < measures.Length; i++)
            Row(measures[i].Name, before[i], after[i]);
        if (unsettled is { } raw)
            Row(raw.Name, unsettledBefore, unsettledAfter);
        foreach (var wire in open)
            await wire.DisposeAsync();
        await Task.Delay(3000);

        void Row(string name, long from, long to) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {server.Name} | {name} | {from / 1048576.0:F1} | {to / 1048576.0:F1} | {(to - from) / 1024.0 / sessions:F1} |"));
    }

    /// <summary>
    /// Runs a command on each server, one at a time on one session, after one untimed run: up to
    /// <paramref name="runs"/> times, fewer (at least 3) when a server needs over a minute.
    /// <paramref name="messagesPerRun"/> 0 means "count the SEARCH results".
    /// </summary>
    private static async Task CompareAsync(Server[] servers, string name, int runs, Func<int, string> command, int messagesPerRun)
    {
        var p50s = new double[servers.Length];
        for (var s = 0; s < servers.Length; s++)
        {
            var server = servers[s];
            await using var wire = await ImapWire.LoginAsync(server.Port, server.User, server.Password);
            await wire.CommandAsync("SELECT INBOX");
            var first = Stopwatch.GetTimestamp();
            await wire.CommandAsync(command(0), keepLines: true);
            var firstMs = Stopwatch.GetElapsedTime(first).TotalMilliseconds;
            var samples = new List<double>();
            var results = 0L;
            var budget = Stopwatch.StartNew();
            for (var i = 0; i < runs && (i < 3 || budget.Elapsed < TimeSpan.FromMinutes(1)); i++)
            {
                var start = Stopwatch.GetTimestamp();
                var answer = await wire.CommandAsync(command(i), keepLines: messagesPerRun == 0);
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                results += messagesPerRun == 0
                    ? answer.Lines.Where(l => l.StartsWith("* SEARCH", StringComparison.Ordinal)).Sum(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 2)
                    : answer.Untagged;
            }
            samples.Sort();
            p50s[s] = At(samples, 0.50);
            var perSecond = messagesPerRun == 0 ? "" : (messagesPerRun * samples.Count / (samples.Sum() / 1000)).ToString("N0", CultureInfo.InvariantCulture);
            var ratio = s == 0 ? "" : (p50s[0] / p50s[1]).ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| `{name}` | {server.Name} | {firstMs:F0} | {samples.Count} | {results / (double)samples.Count:N0} | {At(samples, 0.50):F1} | {At(samples, 0.99):F1} | {perSecond} | {ratio} |"));
        }
    }

    private static double At(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
