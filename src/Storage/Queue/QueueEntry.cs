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
    IReadOnlyList<QueueRecipient> Recipients);

/// <summary>One recipient of a queue entry and its own outcome so far.</summary>
public sealed record QueueRecipient(string Address, string State, int Attempts, string? LastError, DateTimeOffset? LastAttemptAt);

/// <summary>The result of one delivery attempt for one recipient.</summary>
public sealed record RecipientOutcome(string Address, RecipientOutcomeKind Kind, string? Detail);

public enum RecipientOutcomeKind
{
    Delivered,
    /// <summary>4xx or no connection: try again later.</summary>
    Deferred,
    /// <summary>5xx or no such domain: give up.</summary>
    Failed,
}

/// <summary>What an entry's state is after an attempt was recorded.</summary>
public sealed record QueueProgress(string State, IReadOnlyList<QueueRecipient> NewlyFailed);

/// <summary>GET /v1/admin/queue: entries and how many there are in each state.</summary>
public sealed record QueueListing(IReadOnlyDictionary<string, long> Counts, IReadOnlyList<QueueEntry> Entries);
