using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using RestMail.Tests.Hosting;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Smtp;

/// <summary>
/// kill -9 of a real `serve` process in the middle of a burst of SMTP deliveries: after a restart
/// every message that got 250 is there, none twice, and the quota counter agrees with the rows.
/// </summary>
public sealed class CrashDuringBurstTests(PostgresServer postgres)
{
    private const int Messages = 1000;
    private const int Sessions = 16;
    private const int KillAfterAcknowledged = 300;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_acknowledged_message_survives_kill_9_and_none_is_stored_twice()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var dataDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"rmt-crash-{Guid.NewGuid():N}"));
        var (httpPort, smtpPort) = (FreePort.Next(), FreePort.Next());
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["RestMail__Hostname"] = "mx.crash.test",
            ["RestMail__Smtp__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        };
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var acknowledged = new ConcurrentDictionary<int, bool>();
            using (var server = ServeProcess.Start(dataDir.FullName, httpPort, settings))
            {
                await server.WaitForHealthyAsync(httpPort);
                await TestAccounts.CreateAsync(dataSource, "burst@crash.test");

                using var killed = new CancellationTokenSource();
                var next = -1;
                var workers = Enumerable.Range(0, Sessions).Select(_ => Task.Run(() => SendUntilFailureAsync(smtpPort, () => Interlocked.Increment(ref next), acknowledged, killed.Token)));
                var killer = Task.Run(async () =>
                {
                    while (acknowledged.Count < KillAfterAcknowledged && next < Messages)
                        await Task.Delay(5, Ct);
                    await server.SignalAsync("KILL");
                    await killed.CancelAsync();
                }, Ct);
                await Task.WhenAll([.. workers, killer]);
                await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            Assert.InRange(acknowledged.Count, KillAfterAcknowledged, Messages - 1);

            using (var restarted = ServeProcess.Start(dataDir.FullName, httpPort, settings))
            {
                await restarted.WaitForHealthyAsync(httpPort);
                var stored = await StoredSubjectsAsync(dataSource);
                var duplicates = stored.Where(s => s.Value > 1).Select(s => s.Key).ToList();
                Assert.True(duplicates.Count == 0, "stored twice: " + string.Join(", ", duplicates));
                var lost = acknowledged.Keys.Where(n => !stored.ContainsKey($"burst {n}")).Order().ToList();
                Assert.True(lost.Count == 0, $"{lost.Count} acknowledged messages lost: {string.Join(", ", lost.Take(20))}");
                Assert.True(await QuotaAgreesAsync(dataSource), "accounts.used_bytes differs from the sum of the stored messages' sizes");
            }
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    /// <summary>One SMTP session sending numbered messages until the numbers run out or the server dies.</summary>
    private static async Task SendUntilFailureAsync(int port, Func<int> take, ConcurrentDictionary<int, bool> acknowledged, CancellationToken killed)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, killed);
            await using var stream = client.GetStream();
            using var reader = new StreamReader(stream);
            await using var writer = new StreamWriter(stream) { NewLine = "\r\n", AutoFlush = true };
            await ExpectAsync(reader, "220", killed);
            await writer.WriteLineAsync("EHLO burst.test");
            await ExpectAsync(reader, "250", killed);
            for (var n = take(); n < Messages; n = take())
            {
                await writer.WriteLineAsync("MAIL FROM:<sender@elsewhere.test>");
                await ExpectAsync(reader, "250", killed);
                await writer.WriteLineAsync("RCPT TO:<burst@crash.test>");
                await ExpectAsync(reader, "250", killed);
                await writer.WriteLineAsync("DATA");
                await ExpectAsync(reader, "354", killed);
                await writer.WriteAsync($"From: <sender@elsewhere.test>\r\nTo: <burst@crash.test>\r\nSubject: burst {n}\r\n\r\n{new string('x', 4000)}\r\n.\r\n");
                await ExpectAsync(reader, "250", killed);
                acknowledged[n] = true;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The server was killed: whatever was not acknowledged may or may not be stored.
        }
    }

    private static async Task ExpectAsync(StreamReader reader, string code, CancellationToken killed)
    {
        string? line;
        do
        {
            line = await reader.ReadLineAsync(killed) ?? throw new IOException("connection closed");
        }
        while (line.Length > 3 && line[3] == '-');
        if (!line.StartsWith(code, StringComparison.Ordinal))
            throw new InvalidOperationException($"expected {code}, got: {line}");
    }

    private static async Task<Dictionary<string, long>> StoredSubjectsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT subject, count(*) FROM messages WHERE subject LIKE 'burst %' GROUP BY subject");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var stored = new Dictionary<string, long>();
        while (await reader.ReadAsync(Ct))
            stored[reader.GetString(0)] = reader.GetInt64(1);
        return stored;
    }

    private static async Task<bool> QuotaAgreesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT a.used_bytes = coalesce((SELECT sum(size) FROM messages m WHERE m.account_id = a.id), 0) FROM accounts a WHERE a.address = 'burst@crash.test'");
        return (bool)(await command.ExecuteScalarAsync(Ct))!;
    }
}
