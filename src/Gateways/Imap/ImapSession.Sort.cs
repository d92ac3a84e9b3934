namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>RFC 5256 §3 SORT and UID SORT: criteria, a charset, then search keys as for SEARCH.</summary>
    private async Task<Next> SortAsync(string tag, ImapReader reader, bool uid, CancellationToken ct)
    {
        reader.ExpectSpace();
        var criteria = ReadSortCriteria(reader);
        reader.ExpectSpace();
        return await SearchThenAsync(tag, reader, uid, "SORT", (found, highestModSeq) =>
        {
            found.Sort((a, b) => CompareForSort(criteria, a, b));
            _out.Raw("* SORT");
            foreach (var (number, _) in found)
                _out.Raw(" ").Number(number);
            // RFC 7162 §3.1.5 applies to SORT as to SEARCH.
            if (highestModSeq is { } modSeq)
                _out.Raw(" (MODSEQ ").Number(modSeq).Raw(")");
            _out.Line();
        }, ct);
    }

    /// <summary>RFC 5256 §3 THREAD and UID THREAD with REFERENCES or ORDEREDSUBJECT.</summary>
    private async Task<Next> ThreadAsync(string tag, ImapReader reader, bool uid, CancellationToken ct)
    {
        reader.ExpectSpace();
        var algorithm = reader.ReadKeyword();
        if (algorithm is not ("REFERENCES" or "ORDEREDSUBJECT"))
            throw new ImapParseException("Unknown THREAD algorithm " + algorithm);
        reader.ExpectSpace();
        return await SearchThenAsync(tag, reader, uid, "THREAD", (found, _) =>
        {
            var threads = algorithm == "REFERENCES" ? ImapThreader.References(found) : ImapThreader.OrderedSubject(found);
            ImapThreader.Write(_out, threads);
        }, ct);
    }

    /// <summary>
    /// The part SORT and THREAD share: the mandatory charset, the search keys, the matching messages
    /// with their summary fields (numbered by UID or sequence), then the command's own answer.
    /// </summary>
    private async Task<Next> SearchThenAsync(string tag, ImapReader reader, bool uid, string command,
        Action<List<(long Number, ImapMessageHeaders Message)>, long?> answer, CancellationToken ct)
    {
        var selected = _selected!;
        if (!IsSupportedCharset(reader.ReadAString()))
        {
            Tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
            return Next.Continue;
        }
        reader.ExpectSpace();
        _searchUsesModSeq = false;
        var program = ReadSearchProgram(reader, selected);
        if (_searchUsesModSeq)
            _condStore = true;
        var found = await FindAsync(program, selected, ct);
        var headers = await _gateway.Store.GetHeadersAsync(AccountId, selected.FolderId, found.Select(m => m.Uid).ToList(), ct);
        var numbered = headers.Select(h => (Number: uid ? h.Uid : selected.SequenceOf(h.Uid), Message: h)).Where(h => h.Number > 0).ToList();
        answer(numbered, _searchUsesModSeq && found.Count > 0 ? found.Max(m => m.ModSeq) : null);
        await ReportChangesAsync(expungeAllowed: uid, ct);
        Tagged(tag, "OK", command + " completed");
        return Next.Continue;
    }

    /// <summary>sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"; REVERSE applies to the key after it.</summary>
    private static List<(string Key, bool Reverse)> ReadSortCriteria(ImapReader reader)
    {
        var criteria = new List<(string, bool)>();
        reader.Expect((byte)'(');
        do
        {
            var key = reader.ReadKeyword();
            var reverse = key == "REVERSE";
            if (reverse)
            {
                reader.ExpectSpace();
                key = reader.ReadKeyword();
            }
            if (key is not ("ARRIVAL" or "CC" or "DATE" or "FROM" or "SIZE" or "SUBJECT" or "TO"))
                throw new ImapParseException("Unknown SORT key " + key);
            criteria.Add((key, reverse));
            if (criteria.Count > 16)
                throw new ImapParseException("Too many SORT keys");
        }
        while (reader.TryConsume((byte)' '));
        reader.Expect((byte)')');
        return criteria;
    }

    /// <summary>RFC 5256 §3: keys in order, strings by i;ascii-casemap; a full tie goes by sequence number.</summary>
    private static int CompareForSort(List<(string Key, bool Reverse)> criteria, (long Number, ImapMessageHeaders Message) a, (long Number, ImapMessageHeaders Message) b)
    {
        foreach (var (key, reverse) in criteria)
        {
            var x = a.Message;
            var y = b.Message;
            var order = key switch
            {
                "ARRIVAL" => x.InternalDate.CompareTo(y.InternalDate),
                "DATE" => x.Date.CompareTo(y.Date),
                "SIZE" => x.Size.CompareTo(y.Size),
                "SUBJECT" => string.CompareOrdinal(ImapBaseSubject.Of(x.Subject), ImapBaseSubject.Of(y.Subject)),
                "FROM" => CompareMailbox(x.From, y.From),
                "TO" => CompareMailbox(x.To, y.To),
                _ => CompareMailbox(x.Cc, y.Cc),
            };
            if (order != 0)
                return reverse ? -order : order;
        }
        return a.Number.CompareTo(b.Number);
    }

    /// <summary>RFC 5256 §3: FROM, TO and CC sort by the addr-mailbox (local part) of the first address.</summary>
    private static int CompareMailbox(string? a, string? b)
    {
        static string LocalPart(string? address) => address is null ? "" : (address.LastIndexOf('@') is var at and >= 0 ? address[..at] : address).ToUpperInvariant();
        return string.CompareOrdinal(LocalPart(a), LocalPart(b));
    }
}
