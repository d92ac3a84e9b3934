namespace RestMail.Gateways.Imap;

/// <summary>
/// The selected mailbox as this session's client knows it: the UID of each message sequence number
/// (RFC 9051 §2.3.1.2), kept in step with what the client has been told. Numbers only change when
/// the session reports EXISTS or EXPUNGE.
/// </summary>
internal sealed class ImapSelectedFolder(long folderId, string name, long uidValidity, bool readOnly, long[] uids, long[] messageIds)
{
    private readonly List<long> _uids = [.. uids];
    private readonly List<long> _messageIds = [.. messageIds];

    public long FolderId { get; } = folderId;

    public string Name { get; set; } = name;

    public long UidValidity { get; } = uidValidity;

    public bool ReadOnly { get; } = readOnly;

    /// <summary>How many messages the client was told exist (EXISTS).</summary>
    public int Announced { get; set; } = uids.Length;

    /// <summary>The last SEARCH result saved with SAVE (RFC 5182), as UIDs.</summary>
    public IReadOnlyList<long> SavedSearch { get; set; } = [];

    public int Count => _uids.Count;

    public long UidAt(int sequence) => _uids[sequence - 1];

    public long MessageIdAt(int sequence) => _messageIds[sequence - 1];

    /// <summary>The message sequence number of a UID, or 0 when the message is not in the map.</summary>
    public int SequenceOf(long uid)
    {
        var index = _uids.BinarySearch(uid);
        return index < 0 ? 0 : index + 1;
    }

    public long LargestUid => _uids.Count == 0 ? 0 : _uids[^1];

    /// <summary>A message that arrived: UIDs only grow, so it goes at the end (RFC 9051 §2.3.1.1).</summary>
    public bool Add(long uid, long messageId)
    {
        if (_uids.Count > 0 && uid <= _uids[^1])
            return false;
        _uids.Add(uid);
        _messageIds.Add(messageId);
        return true;
    }

    public void RemoveAt(int sequence)
    {
        _uids.RemoveAt(sequence - 1);
        _messageIds.RemoveAt(sequence - 1);
        if (sequence <= Announced)
            Announced--;
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
            var largest = _uids[Announced - 1];
            foreach (var (first, last) in set.Ranges)
            {
                var a = first == ImapSequenceSet.Star ? largest : first;
                var b = last == ImapSequenceSet.Star ? largest : last;
                if (a > b)
                    (a, b) = (b, a);
                var start = _uids.BinarySearch(a);
                start = start < 0 ? ~start : start;
                for (var i = start; i < Announced && _uids[i] <= b; i++)
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
