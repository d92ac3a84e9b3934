namespace RestMail.Gateways.Imap;

/// <summary>
/// The selected mailbox as this session's client knows it: the UID of each message sequence number
/// (RFC 9051 §2.3.1.2), kept in step with what the client has been told. Numbers only change when
/// the session reports EXISTS or EXPUNGE.
/// </summary>
/// <remarks>
/// UIDs are kept as runs of consecutive values (a folder's UIDs are dense apart from what was
/// expunged or moved away), not one entry per message: an idle session on a folder of 100,000
/// messages then holds a few runs, not 1.6 MB of UIDs and message ids. Message ids are read from
/// the store when a command needs them.
/// </remarks>
internal sealed class ImapSelectedFolder
{
    /// <summary>First UID of each run, ascending.</summary>
    private readonly List<long> _runUid = [];
    /// <summary>Messages in each run.</summary>
    private readonly List<int> _runLength = [];
    /// <summary>Messages before each run (the run's first sequence number minus one).</summary>
    private readonly List<int> _runBefore = [];

    public ImapSelectedFolder(long folderId, string name, long uidValidity, bool readOnly, long[] uids)
    {
        (FolderId, Name, UidValidity, ReadOnly) = (folderId, name, uidValidity, readOnly);
        foreach (var uid in uids)
            Add(uid);
        Announced = Count;
        _runUid.TrimExcess();
        _runLength.TrimExcess();
        _runBefore.TrimExcess();
    }

    public long FolderId { get; }

    public string Name { get; set; }

    public long UidValidity { get; }

    public bool ReadOnly { get; }

    /// <summary>How many messages the client was told exist (EXISTS).</summary>
    public int Announced { get; set; }

    /// <summary>The last SEARCH result saved with SAVE (RFC 5182), as UIDs.</summary>
    public IReadOnlyList<long> SavedSearch { get; set; } = [];

    public int Count { get; private set; }

    public long UidAt(int sequence)
    {
        if (sequence < 1 || sequence > Count)
            throw new ArgumentOutOfRangeException(nameof(sequence));
        var run = RunOfSequence(sequence);
        return _runUid[run] + (sequence - 1 - _runBefore[run]);
    }

    /// <summary>The message sequence number of a UID, or 0 when the message is not in the map.</summary>
    public int SequenceOf(long uid)
    {
        var run = RunOfUid(uid);
        return run < 0 || uid >= _runUid[run] + _runLength[run] ? 0 : _runBefore[run] + (int)(uid - _runUid[run]) + 1;
    }

    public long LargestUid => _runUid.Count == 0 ? 0 : _runUid[^1] + _runLength[^1] - 1;

    /// <summary>A message that arrived: UIDs only grow, so it goes at the end (RFC 9051 §2.3.1.1).</summary>
    public bool Add(long uid)
    {
        if (Count > 0 && uid <= LargestUid)
            return false;
        if (Count > 0 && uid == LargestUid + 1)
        {
            _runLength[^1]++;
        }
        else
        {
            _runUid.Add(uid);
            _runLength.Add(1);
            _runBefore.Add(Count);
        }
        Count++;
        return true;
    }

    public void RemoveAt(int sequence)
    {
        var uid = UidAt(sequence);
        var run = RunOfSequence(sequence);
        var offset = sequence - 1 - _runBefore[run];
        var length = _runLength[run];
        // Runs from this index on hold one message fewer before them.
        int shiftFrom;
        if (length == 1)
        {
            _runUid.RemoveAt(run);
            _runLength.RemoveAt(run);
            _runBefore.RemoveAt(run);
            shiftFrom = run;
        }
        else if (offset == 0)
        {
            _runUid[run] = uid + 1;
            _runLength[run] = length - 1;
            shiftFrom = run + 1;
        }
        else if (offset == length - 1)
        {
            _runLength[run] = length - 1;
            shiftFrom = run + 1;
        }
        else
        {
            // The run splits around the removed UID.
            _runLength[run] = offset;
            _runUid.Insert(run + 1, uid + 1);
            _runLength.Insert(run + 1, length - offset - 1);
            _runBefore.Insert(run + 1, _runBefore[run] + offset);
            shiftFrom = run + 2;
        }
        for (var i = shiftFrom; i < _runBefore.Count; i++)
            _runBefore[i]--;
        Count--;
        if (sequence <= Announced)
            Announced--;
    }

    /// <summary>The 0-based position of the first message whose UID is at least <paramref name="uid"/> (Count if none).</summary>
    private int LowerBound(long uid)
    {
        var run = RunOfUid(uid);
        if (run < 0)
            return 0;
        return uid < _runUid[run] + _runLength[run] ? _runBefore[run] + (int)(uid - _runUid[run]) : _runBefore[run] + _runLength[run];
    }

    /// <summary>The last run starting at or below <paramref name="uid"/>, or -1.</summary>
    private int RunOfUid(long uid)
    {
        var index = _runUid.BinarySearch(uid);
        return index >= 0 ? index : ~index - 1;
    }

    private int RunOfSequence(int sequence)
    {
        var index = _runBefore.BinarySearch(sequence - 1);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>Resolves a set of sequence numbers or UIDs to sequence numbers of messages the client knows.</summary>
    public List<int> Resolve(ImapSequenceSet set, bool byUid)
    {
        var result = new List<int>();
        if (set.IsSavedResult)
        {
            foreach (var uid in SavedSearch)
            {
                var sequence = SequenceOf(uid);
                if (sequence > 0 && sequence <= Announced)
                    result.Add(sequence);
            }
            return result;
        }
        if (Announced == 0)
            return result;
        if (byUid)
        {
            var largest = UidAt(Announced);
            foreach (var (first, last) in set.Ranges)
            {
                var a = first == ImapSequenceSet.Star ? largest : first;
                var b = last == ImapSequenceSet.Star ? largest : last;
                if (a > b)
                    (a, b) = (b, a);
                for (var i = LowerBound(a); i < Announced && UidAt(i + 1) <= b; i++)
                    result.Add(i + 1);
            }
        }
        else
        {
            foreach (var (first, last) in set.Ranges)
            {
                var a = first == ImapSequenceSet.Star ? Announced : first;
                var b = last == ImapSequenceSet.Star ? Announced : last;
                if (a > b)
                    (a, b) = (b, a);
                // RFC 9051 §6.4.4: a sequence number beyond the mailbox is an error, not an empty set.
                if (b > Announced)
                    throw new ImapParseException("Invalid message sequence number");
                for (var i = a; i <= b; i++)
                    result.Add((int)i);
            }
        }
        return [.. result.Distinct().Order()];
    }
}
