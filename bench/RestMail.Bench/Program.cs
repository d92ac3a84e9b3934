using System.Globalization;
using RestMail.Bench;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

// Usage: dotnet run -c Release --project bench/RestMail.Bench -- [--folder-size N] [--deliveries N] [--dir PATH]
//        dotnet run -c Release --project bench/RestMail.Bench -- smtp [--messages N] [--dir PATH]   (as root; needs postfix, dovecot-lmtpd)
//        dotnet run -c Release --project bench/RestMail.Bench -- imap [--messages N] [--sessions N] [--rounds N] [--dir PATH]   (as root; needs dovecot-imapd)
//        dotnet run -c Release --project bench/RestMail.Bench -- federation [--messages N] [--latency-ms N] [--delayed-only] [--dir PATH]
var directory = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault() ?? Path.Combine(Path.GetTempPath(), "restmail-bench");
if (args.FirstOrDefault() == "smtp")
{
    await RestMail.Bench.Smtp.SmtpBenchmark.RunAsync(directory, Option("--messages", 2_000));
    return;
}
if (args.FirstOrDefault() == "imap")
{
    await RestMail.Bench.Imap.ImapBenchmark.RunAsync(directory, Option("--messages", 100_000), Option("--sessions", 1_000), Option("--rounds", 1));
    return;
}
if (args.FirstOrDefault() == "imap-server")
{
    // The REST Mail side of the imap benchmark, started by it as a process of its own.
    await RestMail.Bench.Imap.RestMailImapServer.ServeAsync(directory, Option("--messages", 100_000));
    return;
}
if (args.FirstOrDefault() == "federation")
{
    await RestMail.Bench.Federation.FederationBenchmark.RunAsync(directory, Option("--messages", 2_000), Option("--latency-ms", 20), args.Contains("--delayed-only"));
    return;
}
var folderSize = Option("--folder-size", 100_000);
var deliveries = Option("--deliveries", 5_000);
const int Concurrency = 64;

await using var host = await BenchHost.StartAsync(directory);
var corpus = new Corpus(1);
Console.WriteLine($"# REST Mail store benchmark ({Environment.ProcessorCount} cores, fsync on, {Concurrency} concurrent senders)");
Console.WriteLine();
Console.WriteLine("msg/s: stored and acknowledged (the mailbox commit). Body words become searchable when the search indexer has");
Console.WriteLine("written the message's vector after that commit (a search indexes its own account's backlog first, so results are");
Console.WriteLine("exact either way): the next columns give when the indexer had caught up, and the rate counting up to then.");
Console.WriteLine();
Console.WriteLine("| delivery | messages | msg/s (stored) | index caught up, s after the last | msg/s incl. indexing |");
Console.WriteLine("|---|---:|---:|---:|---:|");

foreach (var size in new[] { 4 * 1024, 100 * 1024 })
{
    var count = size > 10_000 ? deliveries / 5 : deliveries;
    var oneAccount = (await host.CreateAccountsAsync($"one{size}-", 1))[0];
    var manyAccounts = await host.CreateAccountsAsync($"many{size}-", 1000);

    await Row($"{size / 1024} KB into 1 account", Enumerable.Range(0, count).Select(i => (oneAccount, corpus.Message(i, size))).ToList());
    await Row($"{size / 1024} KB into 1,000 accounts", Enumerable.Range(0, count).Select(i => (manyAccounts[i % manyAccounts.Length], corpus.Message(i, size))).ToList());
}

// List and search in one large folder.
var reader = (await host.CreateAccountsAsync("reader-", 1))[0];
var loadRate = await DeliverAsync(Enumerable.Range(0, folderSize).Select(i => (reader, corpus.Message(i, 1500))).ToList());
var loadIndexed = await IndexCaughtUpAsync();
// What autovacuum does shortly after a bulk load; measuring before it would time stale statistics.
await using (var analyze = host.DataSource.CreateCommand("ANALYZE messages, message_search"))
    await analyze.ExecuteNonQueryAsync();
var inbox = (await host.Queries.ListFoldersAsync(reader, default)).Single(f => f.Role == FolderRole.Inbox);
Console.WriteLine();
Console.WriteLine($"Loaded {inbox.Total:N0} messages (1.5 KB) into one folder at {loadRate:F0} msg/s; the search index caught up {loadIndexed.TotalSeconds:F1} s later.");
Console.WriteLine();
Console.WriteLine("| query (folder of " + inbox.Total.ToString("N0", CultureInfo.InvariantCulture) + ") | p50 ms | p95 ms | p99 ms |");
Console.WriteLine("|---|---:|---:|---:|");

var cursors = new List<string>();
string? cursor = null;
for (var page = 0; page < 200; page++)
{
    var result = await host.Queries.ListMessagesAsync(reader, inbox.Id, new MessageListQuery(50, cursor), default);
    if (result.NextCursor is null)
        break;
    cursors.Add(cursor = result.NextCursor);
}

await Report("list first page (50, newest first)", _ => host.Queries.ListMessagesAsync(reader, inbox.Id, new MessageListQuery(50), default));
await Report("list next page by cursor", i => host.Queries.ListMessagesAsync(reader, inbox.Id, new MessageListQuery(50, cursors[i % cursors.Count]), default));
await Report("list oldest first", _ => host.Queries.ListMessagesAsync(reader, inbox.Id, new MessageListQuery(50, null, MessageSort.DateAsc), default));
var searchWords = Enumerable.Range(0, 1000).Select(_ => corpus.Word()).ToArray();
await Report("search one word (body or headers)", i => host.Queries.SearchAsync(reader, searchWords[i], new MessageListQuery(50), default));
await Report("search two words", i => host.Queries.SearchAsync(reader, $"{searchWords[i]} {searchWords[(i + 1) % 1000]}", new MessageListQuery(50), default));
await Report("search subject:word", i => host.Queries.SearchAsync(reader, $"subject:{searchWords[i]}", new MessageListQuery(50), default));
await Report("search from:address", i => host.Queries.SearchAsync(reader, $"from:sender{i % 500}@remote.test", new MessageListQuery(50), default));
await Report("search is:unread", _ => host.Queries.SearchAsync(reader, "is:unread", new MessageListQuery(50), default));
return;

async Task<double> DeliverAsync(List<(long Account, byte[] Raw)> work) =>
    await Stopwatches.ThroughputAsync(work, Concurrency, async item =>
    {
        var content = await host.Blobs.PrepareAsync(item.Raw, default);
        var result = await host.Grains.GetGrain<IMailboxGrain>(item.Account).DeliverAsync(new DeliveryRequest { Content = content });
        if (result.Status != DeliveryStatus.Stored)
            throw new InvalidOperationException($"Delivery failed: {result.Status}");
    });

async Task Row(string name, List<(long Account, byte[] Raw)> work)
{
    var rate = await DeliverAsync(work);
    var lag = await IndexCaughtUpAsync();
    var untilSearchable = work.Count / (work.Count / rate + lag.TotalSeconds);
    Console.WriteLine($"| {name} | {work.Count} | {rate:F0} | {lag.TotalSeconds:F1} | {untilSearchable:F0} |");
}

// Waits until no message waits for its search vector; returns how long that took.
async Task<TimeSpan> IndexCaughtUpAsync()
{
    var started = System.Diagnostics.Stopwatch.GetTimestamp();
    await using var pending = host.DataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM search_pending)");
    while ((bool)(await pending.ExecuteScalarAsync())!)
        await Task.Delay(20);
    return System.Diagnostics.Stopwatch.GetElapsedTime(started);
}

async Task Report(string name, Func<int, Task> query)
{
    var (p50, p95, p99) = await Stopwatches.LatencyAsync(500, query);
    Console.WriteLine($"| {name} | {p50:F2} | {p95:F2} | {p99:F2} |");
}

int Option(string name, int fallback)
{
    var value = args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
    return value is null ? fallback : int.Parse(value, CultureInfo.InvariantCulture);
}
