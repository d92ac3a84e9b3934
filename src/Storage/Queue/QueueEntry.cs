using RestMail.Grains.Delivery;

namespace RestMail.Storage.Queue;

/// <summary>One outbound queue entry as the admin API shows it.</summary>
public sealed record QueueEntry(
    long Id,
    long? AccountId,
    string MailFrom,
    string State,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    string? LastError,
    long Size,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<QueueRecipient> Recipients,
    bool ReturnFullMessage = false,
    string? EnvelopeId = null);

/// <summary>One recipient of a queue entry, its own outcome so far, and its DSN request (RFC 3461 NOTIFY, ORCPT).</summary>
public sealed record QueueRecipient(
    string Address, string State, int Attempts, string? LastError, DateTimeOffset? LastAttemptAt,
    NotifyOn? Notify = null, string? OriginalRecipient = null)
{
    public RecipientNotifications Requested() => new() { Notify = Notify, OriginalRecipient = OriginalRecipient };
}

/// <summary>
/// The result of one delivery attempt for one recipient. <paramref name="NotifiesOnward"/>: the next
/// hop took the DSN request along (it supports DSN), so a success report is its to send, not ours
/// (RFC 3461 §5.2.2).
/// </summary>
public sealed record RecipientOutcome(string Address, RecipientOutcomeKind Kind, string? Detail, bool NotifiesOnward = false);

public enum RecipientOutcomeKind
{
    Delivered,
    /// <summary>4xx or no connection: try again later.</summary>
    Deferred,
    /// <summary>5xx or no such domain: give up.</summary>
    Failed,
}

/// <summary>What an entry's state is after an attempt was recorded.</summary>
public sealed record QueueProgress(string State, IReadOnlyList<QueueRecipient> NewlyFailed, IReadOnlyList<QueueRecipient> NewlyDelivered);

/// <summary>GET /v1/admin/queue: entries and how many there are in each state.</summary>
public sealed record QueueListing(IReadOnlyDictionary<string, long> Counts, IReadOnlyList<QueueEntry> Entries);
