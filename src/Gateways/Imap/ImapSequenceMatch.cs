namespace RestMail.Gateways.Imap;

/// <summary>
/// RFC 7162 §3.2.5.2 message sequence match data: pairs of a message sequence number and the UID the
/// client last saw at that number. Where a pair still holds, no message at or below that UID was
/// expunged: the client saw n messages up to the UID, the folder still has n, and no message can have
/// arrived below an existing UID. A server that no longer knows what was expunged uses this to leave
/// those UIDs out of VANISHED (EARLIER).
/// </summary>
internal sealed class ImapSequenceMatch
{
    /// <summary>Enough for the sparse samples clients send (RFC 7162 §3.2.5.2 suggests a handful).</summary>
    public const int MaxPairs = 100_000;

    private readonly List<(long Sequence, long Uid)> _pairs;

    private ImapSequenceMatch(List<(long Sequence, long Uid)> pairs) => _pairs = pairs;

    public IReadOnlyList<(long Sequence, long Uid)> Pairs => _pairs;

    /// <summary>
    /// Pairs the two sets element by element in the order given. "*" has no meaning in a cache the
    /// client describes, and sets of different sizes cannot be paired: both are client errors.
    /// </summary>
    public static ImapSequenceMatch Create(ImapSequenceSet sequences, ImapSequenceSet uids)
    {
        var left = Expand(sequences);
        var right = Expand(uids);
        if (left.Count != right.Count)
            throw new ImapParseException("The known sequence set and UID set differ in size");
        return new ImapSequenceMatch([.. left.Zip(right)]);
    }

    /// <summary>
    /// The largest UID of a pair that still holds, given the current number of each UID (0 when it
    /// is gone); 0 when none does.
    /// </summary>
    public long HighestUnchangedUid(Func<long, int> sequenceOf)
    {
        long highest = 0;
        foreach (var (sequence, uid) in _pairs)
        {
            if (uid > highest && sequenceOf(uid) == sequence)
                highest = uid;
        }
        return highest;
    }

    private static List<long> Expand(ImapSequenceSet set)
    {
        if (set.IsSavedResult)
            throw new ImapParseException("Sequence match data takes explicit numbers");
        var values = new List<long>();
        foreach (var (first, last) in set.Ranges)
        {
            if (first == ImapSequenceSet.Star || last == ImapSequenceSet.Star)
                throw new ImapParseException("Sequence match data takes explicit numbers");
            // A range is a set (RFC 9051 §9 seq-range: 5:3 is 3:5), so it pairs in ascending order.
            for (var value = Math.Min(first, last); value <= Math.Max(first, last); value++)
            {
                if (values.Count >= MaxPairs)
                    throw new ImapParseException("Too much sequence match data");
                values.Add(value);
            }
        }
        return values;
    }
}
