namespace RestMail.Grains.Queue;

/// <summary>
/// One outbound queue entry (key: the outbound_queue id). Its state is the database row, so the
/// grain can be activated anywhere at any time; being one activation per entry, it serialises the
/// delivery attempt with the admin actions on the same entry.
/// </summary>
[Alias("RestMail.IQueueEntryGrain")]
public interface IQueueEntryGrain : IGrainWithIntegerKey
{
    /// <summary>Tries every recipient still queued, records the outcomes and returns the entry's state afterwards.</summary>
    [Alias("Attempt")]
    Task<string?> AttemptAsync();

    /// <summary>Fails every recipient still queued (with a DSN to the sender); false when nothing was queued.</summary>
    [Alias("Bounce")]
    Task<bool> BounceAsync();

    /// <summary>Drops the entry without a DSN, releasing its blob references; false when there is no such entry.</summary>
    [Alias("Delete")]
    Task<bool> DeleteAsync();
}
