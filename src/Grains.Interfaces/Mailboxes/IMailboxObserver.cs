using Orleans.Concurrency;

namespace RestMail.Grains.Mailboxes;

/// <summary>
/// Told after every commit that changed the account. Observers (SSE, IMAP IDLE) then read the
/// change log from PostgreSQL, which stays the truth: a missed push is repaired by the next read.
/// </summary>
[Alias("RestMail.IMailboxObserver")]
public interface IMailboxObserver : IGrainObserver
{
    [OneWay, Alias("Changed")]
    Task OnChanged(long highestModSeq);
}
