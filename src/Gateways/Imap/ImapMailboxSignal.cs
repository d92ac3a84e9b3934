using System.Threading.Channels;
using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

/// <summary>
/// The observer a session registers with its account's mailbox grain. A notification only says
/// "something committed": the session then reads the change log, so notifications may coalesce and
/// a missed one is repaired by the next read.
/// </summary>
internal sealed class ImapMailboxSignal : IMailboxObserver
{
    private readonly Channel<long> _wake = Channel.CreateBounded<long>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private int _changed = 1;

    public Task OnChanged(long highestModSeq)
    {
        Volatile.Write(ref _changed, 1);
        _wake.Writer.TryWrite(highestModSeq);
        return Task.CompletedTask;
    }

    /// <summary>Whether anything was signalled since the last call (and forgets it).</summary>
    public bool TakeChanged() => Interlocked.Exchange(ref _changed, 0) == 1;

    /// <summary>Marks the log as worth reading, e.g. after renewing a subscription that may have lapsed.</summary>
    public void MarkChanged() => Volatile.Write(ref _changed, 1);

    /// <summary>Completes when a change is signalled.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _wake.Reader.WaitToReadAsync(cancellationToken);
        while (_wake.Reader.TryRead(out _))
        {
        }
    }
}
