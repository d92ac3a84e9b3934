using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RestMail.Gateways.Smtp;
using RestMail.Silo.Hosting;
using RestMail.Storage.Accounts;

namespace RestMail.Bench.Smtp;

/// <summary>
/// SMTP ingest, side by side in one run: the real REST Mail host (embedded PostgreSQL, fsync on,
/// as `serve` runs) and Postfix handing over to Dovecot by LMTP, each fed the same 4 KB messages
/// over 1, 16 and 64 concurrent sessions. For REST Mail the 250 comes after the message is stored
/// in the mailbox; for Postfix it comes once the message is in its queue, so Postfix is reported
/// twice: when the last 250 came, and when Dovecot had stored the last message.
/// </summary>
internal static class SmtpBenchmark
{
    private const string Recipient = "bench";

    public static async Task RunAsync(string directory, int messages)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("The SMTP benchmark runs Postfix and Dovecot: Linux only.");
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        // World-traversable: the postgres, postfix and nobody users work below it.
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var body = SmtpLoad.Body(4096);

        using var resolver = new NxDomainResolver();
        await using var restMail = await StartRestMailAsync(Path.Combine(directory, "restmail"), "127.0.0.1:" + resolver.Port.ToString(CultureInfo.InvariantCulture));
        var directoryStore = restMail.App.Services.GetRequiredService<DirectoryStore>();
        const string restDomain = "rest.test";
        Check((await directoryStore.CreateDomainAsync(restDomain, null, default)).IsOk);
        var account = await directoryStore.CreateAccountAsync(new NewAccount($"{Recipient}@{restDomain}", "bench password 1234"), default);
        Check(account.IsOk);
        var restPort = restMail.App.Services.GetRequiredService<SmtpListeners>().EndPoints[SmtpListeners.SmtpName].Port;

        await using var legacy = await PostfixDovecot.StartAsync(Path.Combine(directory, "legacy"), FreePort(), FreePort());

        Console.WriteLine($"# SMTP ingest: REST Mail vs Postfix + Dovecot ({Environment.ProcessorCount} cores, 4 KB messages, durable)");
        Console.WriteLine();
        Console.WriteLine("| sessions | messages | REST Mail msg/s (stored) | Postfix msg/s (queued) | Postfix + Dovecot msg/s (stored) | REST Mail / Postfix + Dovecot |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        // Untimed warm-up of both servers: a mail server runs for days, so the rows measure the steady
        // state, not .NET compiling its hot paths or Postfix and Dovecot starting their workers.
        var restSent = await WarmUpRestMailAsync(restPort, $"{Recipient}@{restDomain}", body);
        const int WarmUp = 1_000;
        await SmtpLoad.SendAsync(legacy.SmtpPort, $"{Recipient}@{PostfixDovecot.Domain}", WarmUp, 4, body);
        while (legacy.Stored(Recipient) < WarmUp)
            await Task.Delay(20);
        var legacySent = WarmUp;
        foreach (var sessions in new[] { 1, 16, 64 })
        {
            var count = sessions == 1 ? Math.Max(100, messages / 4) : messages;

            var restSeconds = await SmtpLoad.SendAsync(restPort, $"{Recipient}@{restDomain}", count, sessions, body);
            restSent += count;
            Check(await StoredInRestMailAsync(restMail.ConnectionString, account.Value!.Id) == restSent);

            var legacyStart = DateTime.UtcNow;
            var queuedSeconds = await SmtpLoad.SendAsync(legacy.SmtpPort, $"{Recipient}@{PostfixDovecot.Domain}", count, sessions, body);
            legacySent += count;
            while (legacy.Stored(Recipient) < legacySent)
                await Task.Delay(20);
            var storedSeconds = (DateTime.UtcNow - legacyStart).TotalSeconds;

            var (rest, queued, stored) = (count / restSeconds, count / queuedSeconds, count / storedSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {sessions} | {count} | {rest:F0} | {queued:F0} | {stored:F0} | {rest / stored:F2} |"));
        }
    }

    /// <summary>
    /// Sends untimed rounds over 1 and 16 sessions until .NET has finished compiling: tiered
    /// compilation recompiles hot methods (twice with dynamic PGO) on a background thread some time
    /// after they become hot, and after 1,000 messages it was still recompiling thousands of methods
    /// during the timed single-session row, an eighth of the CPU (perf). Returns the messages sent.
    /// </summary>
    private static async Task<long> WarmUpRestMailAsync(int port, string recipient, byte[] body)
    {
        const int Round = 500;
        var sent = 0L;
        for (var round = 0; round < 20; round++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            await SmtpLoad.SendAsync(port, recipient, Round, 1, body);
            await SmtpLoad.SendAsync(port, recipient, Round, 16, body);
            sent += 2 * Round;
            // Time for the background compiler to take up what became hot in this round.
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (round > 0 && JitInfo.GetCompiledMethodCount() - compiled < 50)
                break;
        }
        return sent;
    }

    /// <summary>
    /// The real host as `serve` runs it (embedded PostgreSQL under <paramref name="dataDir"/>), every
    /// listener on 127.0.0.1 with a port of its own; <paramref name="overrides"/> (e.g. addresses,
    /// fixed ports, TLS) are applied over these settings.
    /// </summary>
    internal static async Task<RestMailHost> StartRestMailAsync(string dataDir, string dns, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RestMail:Hostname"] = "mx.rest.test",
            ["RestMail:Http:Address"] = "127.0.0.1",
            ["RestMail:Http:Port"] = "0",
            ["RestMail:Silo:Port"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["RestMail:Silo:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["RestMail:Smtp:Address"] = "127.0.0.1",
            ["RestMail:Smtp:Port"] = "0",
            ["RestMail:Submission:Address"] = "127.0.0.1",
            ["RestMail:Submission:Port"] = "0",
            ["RestMail:Submissions:Address"] = "127.0.0.1",
            ["RestMail:Submissions:Port"] = "0",
            ["RestMail:Smtp:MaxConnectionsPerIp"] = "100",
            ["RestMail:Dns:Servers:0"] = dns,
            ["RestMail:Imap:Address"] = "127.0.0.1",
            ["RestMail:Imap:Port"] = "0",
            ["RestMail:Imaps:Address"] = "127.0.0.1",
            ["RestMail:Imaps:Port"] = "0",
            ["RestMail:Pop3:Address"] = "127.0.0.1",
            ["RestMail:Pop3:Port"] = "0",
            ["RestMail:Pop3s:Address"] = "127.0.0.1",
            ["RestMail:Pop3s:Port"] = "0",
            // A log line per message on the console would measure the terminal, not the server.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            settings[key] = value;
        var host = await RestMailHost.BuildAsync(["--data-dir", dataDir], builder => builder.Configuration.AddInMemoryCollection(settings));
        await host.StartAsync();
        return host;
    }

    private static async Task<long> StoredInRestMailAsync(string connectionString, long accountId)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM messages WHERE account_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Check(bool condition)
    {
        if (!condition)
            throw new InvalidOperationException("Benchmark setup failed.");
    }
}
