using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// RFC 9051 §6.4.4 SEARCH and UID SEARCH over the selected folder's metadata: sequence and UID
    /// sets, flags and keywords, sizes, internal dates, NOT, OR and groups. Text keys (SUBJECT, FROM,
    /// BODY, TEXT, HEADER, ...) are not implemented yet and answer BAD.
    /// </summary>
    private async Task<Next> SearchAsync(string tag, ImapReader reader, bool uid, CancellationToken ct)
    {
        reader.ExpectSpace();
        if (reader.TryConsumeWord("CHARSET "))
        {
            var charset = reader.ReadAString();
            if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
            {
                Tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
                return Next.Continue;
            }
            reader.ExpectSpace();
        }
        var selected = _selected!;
        var keys = new List<Func<int, ImapMessage, bool>>();
        do
        {
            keys.Add(ReadSearchKey(reader, selected));
        }
        while (reader.TryConsume((byte)' '));
        reader.ExpectEnd();

        var messages = await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, Enumerable.Range(1, selected.Announced).Select(selected.UidAt).ToList(), ct);
        var results = new List<long>();
        foreach (var message in messages)
        {
            var sequence = selected.SequenceOf(message.Uid);
            if (sequence > 0 && keys.All(k => k(sequence, message)))
                results.Add(uid ? message.Uid : sequence);
        }
        _out.Raw("* SEARCH");
        foreach (var result in results)
            _out.Raw(" ").Number(result);
        _out.Line();
        await ReportChangesAsync(expungeAllowed: uid, ct);
        Tagged(tag, "OK", "SEARCH completed");
        return Next.Continue;
    }

    private static Func<int, ImapMessage, bool> ReadSearchKey(ImapReader reader, ImapSelectedFolder selected)
    {
        if (reader.TryConsume((byte)'('))
        {
            reader.EnterGroup();
            var group = new List<Func<int, ImapMessage, bool>>();
            do
            {
                group.Add(ReadSearchKey(reader, selected));
            }
            while (reader.TryConsume((byte)' '));
            reader.Expect((byte)')');
            reader.LeaveGroup();
            return (s, m) => group.All(k => k(s, m));
        }
        if (reader.PeekSequenceSet())
        {
            var set = reader.ReadSequenceSet();
            var sequences = selected.Resolve(set, byUid: false).ToHashSet();
            return (s, _) => sequences.Contains(s);
        }
        var key = reader.ReadKeyword();
        Func<int, ImapMessage, bool> Flag(MessageFlags flag, bool set) => (_, m) => m.Flags.HasFlag(flag) == set;
        switch (key)
        {
            case "ALL":
                return (_, _) => true;
            case "SEEN" or "UNSEEN":
                return Flag(MessageFlags.Seen, key == "SEEN");
            case "ANSWERED" or "UNANSWERED":
                return Flag(MessageFlags.Answered, key == "ANSWERED");
            case "FLAGGED" or "UNFLAGGED":
                return Flag(MessageFlags.Flagged, key == "FLAGGED");
            case "DELETED" or "UNDELETED":
                return Flag(MessageFlags.Deleted, key == "DELETED");
            case "DRAFT" or "UNDRAFT":
                return Flag(MessageFlags.Draft, key == "DRAFT");
            case "NEW" or "RECENT":
                // No message is \Recent here (see SELECT).
                return (_, _) => false;
            case "OLD":
                return (_, _) => true;
            case "KEYWORD" or "UNKEYWORD":
                {
                    reader.ExpectSpace();
                    var keyword = reader.ReadAtom();
                    var wanted = key == "KEYWORD";
                    return (_, m) => m.Keywords.Contains(keyword, StringComparer.OrdinalIgnoreCase) == wanted;
                }
            case "LARGER" or "SMALLER":
                {
                    reader.ExpectSpace();
                    var size = reader.ReadNumber(long.MaxValue);
                    return key == "LARGER" ? (_, m) => m.Size > size : (_, m) => m.Size < size;
                }
            case "BEFORE" or "ON" or "SINCE":
                {
                    reader.ExpectSpace();
                    var date = reader.ReadDate();
                    // RFC 9051 §6.4.4: internal dates compared by date only, disregarding time and zone.
                    return key switch
                    {
                        "BEFORE" => (_, m) => DateOnly.FromDateTime(m.InternalDate.DateTime) < date,
                        "ON" => (_, m) => DateOnly.FromDateTime(m.InternalDate.DateTime) == date,
                        _ => (_, m) => DateOnly.FromDateTime(m.InternalDate.DateTime) >= date,
                    };
                }
            case "UID":
                {
                    reader.ExpectSpace();
                    var set = reader.ReadSequenceSet();
                    var sequences = selected.Resolve(set, byUid: true).ToHashSet();
                    return (s, _) => sequences.Contains(s);
                }
            case "NOT":
                {
                    reader.ExpectSpace();
                    var inner = ReadSearchKey(reader, selected);
                    return (s, m) => !inner(s, m);
                }
            case "OR":
                {
                    reader.ExpectSpace();
                    var left = ReadSearchKey(reader, selected);
                    reader.ExpectSpace();
                    var right = ReadSearchKey(reader, selected);
                    return (s, m) => left(s, m) || right(s, m);
                }
            default:
                throw new ImapParseException("Unsupported SEARCH key " + key);
        }
    }
}
