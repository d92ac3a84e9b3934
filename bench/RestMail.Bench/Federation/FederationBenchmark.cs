using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using RestMail.Api.Admin;
using RestMail.Grains.Delivery;
using RestMail.Silo.Hosting;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;
using RestMail.Storage.Dkim;
using RestMail.Storage.Federation;
using RestMail.Tests.Federation;
using RestMail.Tests.Infrastructure;
using static RestMail.Bench.Smtp.SmtpBenchmark;

namespace RestMail.Bench.Federation;

/// <summary>
/// The same messages from REST Mail server A (a.test) to REST Mail server B (b.test), once over SMTP
/// (federation off on A: MX lookup, SMTP with STARTTLS to B's MX port) and once over REST (federation
/// on: HTTPS POST /v1/deliver with an ES256 token), on plain loopback and with a 20 ms round trip.
/// Both servers are the real host as `serve` runs it, each with its own embedded PostgreSQL (unix
/// socket, fsync on), on addresses of their own in 127/8, with a test CA and a test DNS server as the
/// federation tests use them.
/// </summary>
/// <remarks>
/// Messages enter A as the REST send API enters them (blob store, then IDeliveryGrain.AcceptAsync as
/// the authenticated sender), from a few concurrent clients; A's outbound queue then delivers them.
/// The 20 ms runs send to a second domain of B, slow.b.test, whose MX name and REST endpoint point at
/// <see cref="DelayRelay"/>s (10 ms each way) in front of B's MX and HTTPS ports: a separate domain,
/// so that no connection A pooled on the plain run carries on undelayed. DNS is never delayed: it
/// stands in for the local caching resolver a mail server has.
/// </remarks>
internal static class FederationBenchmark
{
    private const int Submitters = 8, WarmUp = 200, PacedMessages = 150, PacedRate = 10;
    private const int SmtpPort = 2525, HttpsPort = 8443, DelayedHttpsPort = 8444;
    private const string DomainA = "a.test", DomainB = "b.test", DelayedDomainB = "slow.b.test", HostA = "mx.a.test", HostB = "mx.b.test", DelayedHostB = "mx-slow.b.test";

    // Addresses of their own in 127/8, away from those other test runs on this machine use.
    private static readonly IPAddress AddressA = IPAddress.Parse("127.0.91.1"), AddressB = IPAddress.Parse("127.0.91.2"), DelayedAddressB = IPAddress.Parse("127.0.91.3");

    private enum Mode { Smtp, Rest }

    public static async Task RunAsync(string directory, int messages, int latencyMs, bool delayedOnly)
    {
        // The delayed rows are always measured; the plain loopback ones unless only the delayed ones are asked for.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latencyMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(messages);
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        using var ca = new TestCertificateAuthority();
        await using var dns = new TestDnsServer();
        dns.Addresses[HostA] = [AddressA];
        dns.Addresses[HostB] = [AddressB];
        dns.Addresses[DelayedHostB] = [DelayedAddressB];

        await using var b = await StartAsync(Path.Combine(directory, "b"), HostB, AddressB, ca, dns, []);
        await using var a = await StartAsync(Path.Combine(directory, "a"), HostA, AddressA, ca, dns, new Dictionary<string, string?>
        {
            // B's MX port; the scheduler polls every 50 ms instead of 5 s, as in the runs made before
            // queueing woke it, so that the rows stay comparable.
            ["RestMail:Outbound:Port"] = SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Outbound:PollInterval"] = "00:00:00.050",
        });
        await PublishAsync(a, dns, DomainA);
        await PublishAsync(b, dns, DomainB);
        await PublishAsync(b, dns, DelayedDomainB);
        // slow.b.test: mail to mx-slow.b.test (the SMTP relay), REST to mx.b.test's delayed port (the HTTPS relay; same name, so the certificate fits).
        dns.Mx[DelayedDomainB] = [(10, DelayedHostB)];
        dns.Txt[FederationDiscovery.TxtName(DelayedDomainB)] = [FederationDiscovery.TxtValue(Endpoint(DelayedHttpsPort))];
        var oneWay = TimeSpan.FromMilliseconds(latencyMs / 2.0);
        await using var smtpRelay = new DelayRelay(new IPEndPoint(DelayedAddressB, SmtpPort), new IPEndPoint(AddressB, SmtpPort), oneWay);
        await using var httpsRelay = new DelayRelay(new IPEndPoint(AddressB, DelayedHttpsPort), new IPEndPoint(AddressB, HttpsPort), oneWay);

        var sender = await CreateAccountAsync(a, "sender@" + DomainA);
        var body = Smtp.SmtpLoad.Body(4096);
        Console.WriteLine($"# Federation: SMTP vs REST from REST Mail A to REST Mail B ({Environment.ProcessorCount} cores, {messages} messages of 4 KB per row, {Submitters} submitting clients)");
        Console.WriteLine();
        Console.WriteLine($"msg/s: {messages} messages submitted at once / (last stored at B − first submitted to A); and the same number put in A's");
        Console.WriteLine("queue while its scheduler is stopped / (last stored at B − scheduler started): the A→B hop alone. Latency per message: B's internal");
        Console.WriteLine("date (set as B's mailbox writes the message, just before its commit) − the moment A's AcceptAsync returned (queued durably");
        Console.WriteLine($"at A), measured on {PacedMessages} messages submitted at {PacedRate} msg/s (below both modes' capacity), and under the full load above.");
        Console.WriteLine("Queueing at A wakes its scheduler at once; its poll (50 ms instead of 5 s) only finds retries.");
        Console.WriteLine($"The {latencyMs} ms rows go through a relay adding {oneWay.TotalMilliseconds} ms each way (TCP handshake included); DNS is not delayed.");
        Console.WriteLine();
        Console.WriteLine($"| mode | round trip | msg/s, submit → stored | msg/s, draining a full queue | p50 ms | p99 ms (paced, {PacedRate} msg/s) | p50 ms under full load |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var results = new Dictionary<(Mode, int), (Result Load, Result Drain, Result Paced)>();
        var roundTrips = delayedOnly ? new[] { (DelayedDomainB, latencyMs) } : [(DomainB, 0), (DelayedDomainB, latencyMs)];
        foreach (var (domain, rtt) in roundTrips)
        {
            foreach (var mode in new[] { Mode.Smtp, Mode.Rest })
            {
                // A's sending path reads this flag on every attempt; B is unchanged (it receives either way).
                a.App.Services.GetRequiredService<IOptions<FederationOptions>>().Value.Enabled = mode == Mode.Rest;
                // Unreported warm-up: JIT, connection pools, key and discovery caches, on both servers.
                await MeasureAsync(a, b, sender, mode, await RecipientAsync("warm"), WarmUp, body);
                var load = await MeasureAsync(a, b, sender, mode, await RecipientAsync("load"), messages, body);
                var drain = await MeasureAsync(a, b, sender, mode, await RecipientAsync("drain"), messages, body, drain: true);
                var paced = await MeasureAsync(a, b, sender, mode, await RecipientAsync("paced"), PacedMessages, body, PacedRate);
                results[(mode, rtt)] = (load, drain, paced);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {mode.ToString().ToUpperInvariant()} | {rtt} ms | {load.Rate:F0} | {drain.Rate:F0} | {paced.P50:F1} | {paced.P99:F1} | {load.P50:F0} |"));

                Task<AccountRecord> RecipientAsync(string run) => CreateAccountAsync(b, $"{run}-{mode}-{rtt}@{domain}".ToLowerInvariant());
            }
        }
        Console.WriteLine();
        foreach (var (_, rtt) in roundTrips)
        {
            var (smtp, rest) = (results[(Mode.Smtp, rtt)], results[(Mode.Rest, rtt)]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rtt} ms round trip: REST/SMTP throughput {rest.Load.Rate / smtp.Load.Rate:F2} submit → stored, {rest.Drain.Rate / smtp.Drain.Rate:F2} draining (aim ≥ 2); REST/SMTP p50 latency {rest.Paced.P50 / smtp.Paced.P50:F2} (aim < 0.5)"));
        }
    }

    private sealed record Result(double Rate, double P50, double P99);

    /// <summary>
    /// Submits <paramref name="count"/> messages to A for the recipient on B — all at once from
    /// <see cref="Submitters"/> clients, or one every 1/<paramref name="paced"/> s — and waits until B
    /// has stored them all. Rate: count / (last stored − first submitted); latencies: stored − accepted.
    /// With <paramref name="drain"/>, A's queue scheduler is stopped while they are submitted, and the
    /// rate is count / (last stored − scheduler restarted): the A→B hop without A's submission path.
    /// </summary>
    private static async Task<Result> MeasureAsync(
        RestMailHost a, RestMailHost b, AccountRecord sender, Mode mode, AccountRecord recipient, int count, byte[] body, int? paced = null, bool drain = false)
    {
        var blobs = a.App.Services.GetRequiredService<BlobStore>();
        var delivery = a.App.Services.GetRequiredService<IGrainFactory>().GetGrain<IDeliveryGrain>(0);
        // A's queue scheduler (internal to the grains) found among the host's services by name; stopped, it lets the queue fill.
        var scheduler = a.App.Services.GetServices<IHostedService>().Single(s => s.GetType().Name == "OutboundScheduler");
        if (drain)
            await scheduler.StopAsync(default);
        var accepted = new DateTimeOffset[count];
        var start = DateTimeOffset.UtcNow;
        if (paced is { } rate)
        {
            var submissions = new List<Task>();
            for (var n = 0; n < count; n++)
            {
                submissions.Add(SubmitAsync(n));
                var due = start + TimeSpan.FromSeconds((n + 1) / (double)rate);
                if (due > DateTimeOffset.UtcNow)
                    await Task.Delay(due - DateTimeOffset.UtcNow);
            }
            await Task.WhenAll(submissions);
        }
        else
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, Submitters).Select(_ => Task.Run(async () =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) < count)
                    await SubmitAsync(n);
            })));
        }

        if (drain)
        {
            // The A→B hop alone: from a full queue to the last message stored at B.
            start = DateTimeOffset.UtcNow;
            await scheduler.StartAsync(default);
        }

        // Poll B (the stored time comes from B's own rows, so the poll interval does not count).
        await using var dataSource = NpgsqlDataSource.Create(b.ConnectionString);
        var stalledSince = DateTime.UtcNow;
        for (long stored = 0, last = -1; stored < count; await Task.Delay(100))
        {
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM messages WHERE account_id = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = recipient.Id });
            stored = (long)(await command.ExecuteScalarAsync())!;
            if (stored != last)
                (last, stalledSince) = (stored, DateTime.UtcNow);
            if (DateTime.UtcNow - stalledSince > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"B stored {stored} of {count} {mode} messages and nothing more for a minute; see A's outbound_queue.last_error.");
        }

        var latencies = new List<double>(count);
        var lastStored = start;
        await using (var command = dataSource.CreateCommand("SELECT message_id_header, internal_date FROM messages WHERE account_id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = recipient.Id });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var n = int.Parse(reader.GetString(0).Trim('<', '>').Split('.')[0], CultureInfo.InvariantCulture);
                var stored = reader.GetFieldValue<DateTimeOffset>(1);
                latencies.Add((stored - accepted[n]).TotalMilliseconds);
                lastStored = stored > lastStored ? stored : lastStored;
            }
        }
        await CheckRouteAsync(a, recipient.Address, mode);
        latencies.Sort();
        return new Result(count / (lastStored - start).TotalSeconds, At(0.50), At(0.99));

        double At(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];

        async Task SubmitAsync(int n)
        {
            // As the REST send API does it: the raw message into the blob store, then the one acceptance path.
            var raw = Encoding.ASCII.GetBytes(
                $"From: <{sender.Address}>\r\nTo: <{recipient.Address}>\r\nSubject: bench {n}\r\nMessage-ID: <{n}.{recipient.Id}@{DomainA}>\r\n" +
                "Date: Tue, 24 Nov 2026 21:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
                .Concat(body).ToArray();
            var content = await blobs.StoreAsync(raw, default);
            var result = await delivery.AcceptAsync(new InboundMessage
            {
                MailFrom = sender.Address,
                Recipients = [recipient.Address],
                Content = content,
                Source = MessageSource.Api,
                SenderAccountId = sender.Id,
            });
            accepted[n] = DateTimeOffset.UtcNow;
            if (result.Recipients[0].Status != RecipientStatus.Queued)
                throw new InvalidOperationException($"A did not queue message {n}: {result.Recipients[0].Status}");
        }
    }

    /// <summary>Makes sure the mode measured is the mode used: A records how each recipient was delivered.</summary>
    private static async Task CheckRouteAsync(RestMailHost a, string recipient, Mode mode)
    {
        await using var dataSource = NpgsqlDataSource.Create(a.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FILTER (WHERE last_error LIKE '%" + FederationDelivery.DeliveredVia + "%'), count(*) FROM outbound_recipients WHERE address = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = recipient });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (rest, all) = (reader.GetInt64(0), reader.GetInt64(1));
        if (rest != (mode == Mode.Rest ? all : 0))
            throw new InvalidOperationException($"{mode} run: {rest} of {all} messages went over REST.");
    }

    private static Uri Endpoint(int port) => new(string.Create(CultureInfo.InvariantCulture, $"https://{HostB}:{port}/v1"));

    private static async Task<RestMailHost> StartAsync(string dataDir, string name, IPAddress address, TestCertificateAuthority ca, TestDnsServer dns, Dictionary<string, string?> overrides)
    {
        var (certificate, key) = ca.IssuePem(name);
        var at = address.ToString();
        var settings = new Dictionary<string, string?>
        {
            ["RestMail:Hostname"] = name,
            ["RestMail:Smtp:Address"] = at,
            ["RestMail:Smtp:Port"] = SmtpPort.ToString(CultureInfo.InvariantCulture),
            // The HTTPS listener runs because a certificate is configured; federation uses it.
            ["RestMail:Tls:CertificatePath"] = certificate,
            ["RestMail:Tls:KeyPath"] = key,
            ["RestMail:Https:Address"] = at,
            ["RestMail:Https:Port"] = HttpsPort.ToString(CultureInfo.InvariantCulture),
            ["RestMail:Federation:Endpoint"] = string.Create(CultureInfo.InvariantCulture, $"https://{name}:{HttpsPort}/v1"),
            ["RestMail:Federation:TrustedCaPath"] = ca.PemPath,
        };
        foreach (var (setting, value) in overrides)
            settings[setting] = value;
        return await StartRestMailAsync(dataDir, dns.Endpoint, settings);
    }

    /// <summary>Creates the domain and publishes the records its admin DNS listing names (MX, SPF, DKIM, DMARC, _restmail).</summary>
    private static async Task PublishAsync(RestMailHost server, TestDnsServer dns, string domain)
    {
        var services = server.App.Services;
        if (!(await services.GetRequiredService<DirectoryStore>().CreateDomainAsync(domain, null, default)).IsOk)
            throw new InvalidOperationException($"Could not create {domain}.");
        var key = await services.GetRequiredService<DkimKeyStore>().GetAsync(domain, default) ?? throw new InvalidOperationException($"{domain} has no DKIM key.");
        var records = DnsRecord.For(key, services.GetRequiredService<IOptions<RestMail.Storage.Hosting.RestMailOptions>>().Value.EffectiveHostname,
            services.GetRequiredService<IOptions<FederationOptions>>().Value.PublicEndpoint);
        foreach (var record in records)
        {
            var name = record.Name.TrimEnd('.');
            if (record.Type == "MX")
                dns.Mx[name] = [(10, record.Value.Split(' ')[1].TrimEnd('.'))];
            else
                dns.Txt.AddOrUpdate(name, [record.Value], (_, existing) => [.. existing, record.Value]);
        }
    }

    private static async Task<AccountRecord> CreateAccountAsync(RestMailHost server, string address)
    {
        var account = await server.App.Services.GetRequiredService<DirectoryStore>().CreateAccountAsync(new NewAccount(address, "bench password 1234"), default);
        return account.Value ?? throw new InvalidOperationException($"Could not create {address}.");
    }
}
