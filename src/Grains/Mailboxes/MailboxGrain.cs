using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;
using Orleans.Utilities;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Grains.Mailboxes;

/// <summary>
/// The single writer of one account's mail. The grain is reentrant only so that writes arriving
/// while a transaction is in flight can queue up: they all run, in arrival order, in the next
/// transaction (group commit). Everything still executes on the grain's one thread.
/// </summary>
[Reentrant]
internal sealed partial class MailboxGrain : Grain, IMailboxGrain
{
    private const int MaxBatch = 256;

    private readonly NpgsqlDataSource _dataSource;
    private readonly SearchIndexer _searchIndexer;
    private readonly ILogger<MailboxGrain> _logger;
    private readonly ObserverManager<IMailboxObserver> _observers;
    private readonly List<PendingWrite> _pending = [];
    private Task? _flushing;
    private MailboxTransaction.KnownState? _known;

    public MailboxGrain(NpgsqlDataSource dataSource, SearchIndexer searchIndexer, ILogger<MailboxGrain> logger)
    {
        _dataSource = dataSource;
        _searchIndexer = searchIndexer;
        _logger = logger;
        _observers = new ObserverManager<IMailboxObserver>(TimeSpan.FromMinutes(3), logger);
    }

    private long AccountId => this.GetPrimaryKeyLong();

    public Task<DeliveryResult> DeliverAsync(DeliveryRequest request)
    {
        var write = new PendingDelivery(request);
        Schedule(write);
        return write.Task;
    }

    public Task<BulkResult> SetFlagsAsync(FlagUpdate update) =>
        Enqueue((tx, ct) => tx.SetFlagsAsync(update, ct), [], new BulkResult { NotFound = update.MessageIds });

    public Task<BulkResult> MoveAsync(IReadOnlyList<long> messageIds, long targetFolderId) =>
        Enqueue((tx, ct) => tx.MoveAsync(messageIds, targetFolderId, ct), [], new BulkResult { NotFound = messageIds });

    public Task<BulkResult> CopyAsync(IReadOnlyList<long> messageIds, long targetFolderId) =>
        Enqueue((tx, ct) => tx.CopyAsync(messageIds, targetFolderId, ct), [], new BulkResult { NotFound = messageIds });

    public Task<BulkResult> ExpungeAsync(IReadOnlyList<long> messageIds) =>
        Enqueue((tx, ct) => tx.ExpungeAsync(messageIds, ct), [], new BulkResult { NotFound = messageIds });

    public Task<FolderResult> CreateFolderAsync(string name, FolderRole role) =>
        Enqueue((tx, ct) => tx.CreateFolderAsync(name, role, ct), [], new FolderResult { Status = FolderStatus.NotFound });

    public Task<FolderResult> RenameFolderAsync(long folderId, string newName) =>
        Enqueue((tx, ct) => tx.RenameFolderAsync(folderId, newName, ct), [], new FolderResult { Status = FolderStatus.NotFound });

    public Task<FolderResult> DeleteFolderAsync(long folderId) =>
        Enqueue((tx, ct) => tx.DeleteFolderAsync(folderId, ct), [], new FolderResult { Status = FolderStatus.NotFound });

    public Task SubscribeAsync(IMailboxObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IMailboxObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private Task<T> Enqueue<T>(Func<MailboxTransaction, CancellationToken, Task<T>> apply, IReadOnlyList<byte[]> blobs, T accountMissing)
    {
        var write = new PendingWrite<T>(apply, blobs, accountMissing);
        Schedule(write);
        return write.Task;
    }

    private void Schedule(PendingWrite write)
    {
        _pending.Add(write);
        if (_flushing is null || _flushing.IsCompleted)
            _flushing = FlushAsync();
    }

    private async Task FlushAsync()
    {
        // Yield once so that calls already queued behind this one join the first batch.
        await Task.Yield();
        while (_pending.Count > 0)
        {
            var batch = _pending.Take(MaxBatch).ToList();
            _pending.RemoveRange(0, batch.Count);
            try
            {
                await RunAsync(batch);
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // One write spoiled the shared transaction: run each alone so only it fails.
                LogBatchRetried(batch.Count, e);
                foreach (var write in batch)
                {
                    try
                    {
                        await RunAsync([write]);
                    }
                    catch (Exception single)
                    {
                        write.Fail(single);
                    }
                }
            }
            catch (Exception e)
            {
                batch[0].Fail(e);
            }
        }
    }

    private async Task RunAsync(IReadOnlyList<PendingWrite> batch)
    {
        var blobs = batch.SelectMany(w => w.Blobs).ToHashSet(Storage.Blobs.ByteArrayComparer.Instance);
        // Small messages bring their bytes (BlobStore.PrepareAsync): this transaction writes them.
        var unstored = new Dictionary<byte[], MailboxTransaction.UnstoredBlob>(Storage.Blobs.ByteArrayComparer.Instance);
        foreach (var delivery in batch.OfType<PendingDelivery>())
        {
            if (delivery.Request.Content.UnstoredSegments is not { } data)
                continue;
            for (var i = 0; i < data.Count; i++)
            {
                var hash = delivery.Request.Content.Segments[i];
                unstored[hash] = new(data[i], unstored.GetValueOrDefault(hash).References + 1);
            }
        }

        // Known only right after this grain's own commit; any failure on the way forgets it.
        var known = _known;
        _known = null;
        var deliveries = batch.OfType<PendingDelivery>().Select(d => d.Request).ToList();
        if (known is not null && deliveries.Count == batch.Count && blobs.All(unstored.ContainsKey) && known.AcceptsAll(deliveries))
        {
            try
            {
                // One round trip: the account is as this grain left it, the batch brings every blob.
                await using var resumed = await MailboxTransaction.ResumeAsync(_dataSource, AccountId, known, unstored, CancellationToken.None);
                await ApplyAsync(resumed, batch);
                return;
            }
            catch (PostgresException e) when (e.SqlState == MailboxTransaction.StateChangedSqlState)
            {
                // Someone else changed the account (another activation, an administrator): read it first.
            }
        }
        await using var tx = await MailboxTransaction.BeginAsync(_dataSource, AccountId, blobs, unstored, CancellationToken.None);
        if (tx is null)
        {
            foreach (var write in batch)
                write.CompleteAccountMissing();
            return;
        }
        await ApplyAsync(tx, batch);
    }

    private async Task ApplyAsync(MailboxTransaction tx, IReadOnlyList<PendingWrite> batch)
    {
        for (var i = 0; i < batch.Count;)
        {
            // Consecutive deliveries share one pipelined round trip (with the COMMIT when they end
            // the batch); other writes run one by one.
            var deliveries = batch.Skip(i).TakeWhile(w => w is PendingDelivery).Cast<PendingDelivery>().ToList();
            if (deliveries.Count > 0)
            {
                i += deliveries.Count;
                var results = await tx.DeliverAsync([.. deliveries.Select(d => d.Request)], commit: i == batch.Count, CancellationToken.None);
                for (var d = 0; d < deliveries.Count; d++)
                    deliveries[d].Result = results[d];
            }
            else
            {
                await batch[i++].ApplyAsync(tx, CancellationToken.None);
            }
        }
        // Nothing changed (every write refused): rolled back on disposal, with any blob it wrote.
        if (!tx.Committed && tx.Changed)
            await tx.CommitAsync(CancellationToken.None);
        // Folder writes change what the grain would have to know: after them the next batch reads again.
        if (tx.Committed && batch.All(w => w is PendingDelivery))
            _known = tx.Known();

        // Acknowledge only after the commit: the callers' 250 / 2xx depends on it.
        foreach (var write in batch)
            write.Complete();
        if (tx.Changed)
        {
            // New messages (deliveries, copies) wait in search_pending for their all-text vector.
            _searchIndexer.Notify();
            var highest = tx.HighestModSeq;
            await _observers.Notify(o => o.OnChanged(highest));
        }
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "A batch of {Count} mailbox writes failed together; retrying each alone")]
    private partial void LogBatchRetried(int count, Exception exception);

    private abstract class PendingWrite(IReadOnlyList<byte[]> blobs)
    {
        public IReadOnlyList<byte[]> Blobs { get; } = blobs;
        public abstract Task ApplyAsync(MailboxTransaction tx, CancellationToken cancellationToken);
        public abstract void Complete();
        public abstract void CompleteAccountMissing();
        public abstract void Fail(Exception exception);
    }

    private sealed class PendingDelivery(DeliveryRequest request) : PendingWrite(request.Content.Segments)
    {
        private readonly TaskCompletionSource<DeliveryResult> _completion = new();

        public DeliveryRequest Request { get; } = request;

        public DeliveryResult? Result { get; set; }

        public Task<DeliveryResult> Task => _completion.Task;

        public override Task ApplyAsync(MailboxTransaction tx, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Deliveries are applied together through MailboxTransaction.DeliverAsync.");

        public override void Complete() => _completion.TrySetResult(Result!);

        public override void CompleteAccountMissing() => _completion.TrySetResult(DeliveryResult.Failed(DeliveryStatus.AccountNotFound));

        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }

    private sealed class PendingWrite<T>(Func<MailboxTransaction, CancellationToken, Task<T>> apply, IReadOnlyList<byte[]> blobs, T accountMissing)
        : PendingWrite(blobs)
    {
        private readonly TaskCompletionSource<T> _completion = new();
        private T? _result;

        public Task<T> Task => _completion.Task;

        public override async Task ApplyAsync(MailboxTransaction tx, CancellationToken cancellationToken) => _result = await apply(tx, cancellationToken);

        public override void Complete() => _completion.TrySetResult(_result!);

        public override void CompleteAccountMissing() => _completion.TrySetResult(accountMissing);

        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }
}
