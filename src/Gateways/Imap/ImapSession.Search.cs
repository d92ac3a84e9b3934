using System.Globalization;
using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>Set while parsing a SEARCH that used the MODSEQ key (RFC 7162 §3.1.5: the answer then carries the highest MODSEQ).</summary>
    private bool _searchUsesModSeq;

    /// <summary>
    /// RFC 9051 §6.4.4 SEARCH and UID SEARCH, with RFC 4731 ESEARCH (RETURN MIN/MAX/ALL/COUNT), RFC 5182
    /// SEARCHRES (RETURN SAVE, "$") and RFC 7162 MODSEQ. Metadata keys are answered from the message
    /// rows; text keys read and parse the raw message, but only for the candidates the metadata keys
    /// leave open (see <see cref="ImapSearchKey"/>).
    /// </summary>
    private async Task<Next> SearchAsync(string tag, ImapReader reader, bool uid, CancellationToken ct)
    {
        var selected = _selected!;
        ImapSearchReturn? returns = null;
        var returnsRead = false;
        ImapSearchKey program;
        _searchUsesModSeq = false;
        try
        {
            reader.ExpectSpace();
            returns = ReadSearchReturn(reader);
            returnsRead = true;
            if (reader.TryConsumeWord("CHARSET "))
            {
                if (!IsSupportedCharset(reader.ReadAString()))
                {
                    ForgetSavedResult(selected, returns);
                    Tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
                    return Next.Continue;
                }
                reader.ExpectSpace();
            }
            program = ReadSearchProgram(reader, selected);
        }
        catch (ImapParseException)
        {
            // RFC 5182 §2.1: a SEARCH ... SAVE that fails leaves "$" empty. Whether SAVE was asked is
            // unknown when the RETURN options themselves did not parse; forgetting is then the safe side.
            if (!returnsRead || returns?.Save == true)
                selected.SavedSearch = [];
            throw;
        }
        if (_searchUsesModSeq)
            _condStore = true;

        var found = await FindAsync(program, selected, ct);
        var results = found.Select(m => uid ? m.Uid : selected.SequenceOf(m.Uid)).ToList();
        long? highestModSeq = _searchUsesModSeq && found.Count > 0 ? found.Max(m => m.ModSeq) : null;
        if (returns is null && !_imap4rev2)
            WriteSearch(results, highestModSeq);
        else
            WriteESearch(tag, uid, returns ?? DefaultRev2SearchReturn, results, highestModSeq, selected, found);
        await ReportChangesAsync(expungeAllowed: uid, ct);
        Tagged(tag, "OK", "SEARCH completed");
        return Next.Continue;
    }

    /// <summary>RFC 9051 §6.4.4.1: an IMAP4rev2 SEARCH without RETURN answers as RETURN (ALL), in an ESEARCH response.</summary>
    private static readonly ImapSearchReturn DefaultRev2SearchReturn = new(All: true);

    /// <summary>RFC 9051 §6.4.4: UTF-8 must be supported; US-ASCII is a subset of it.</summary>
    private static bool IsSupportedCharset(string charset) =>
        charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase);

    /// <summary>search-key *(SP search-key) to the end of the command: all must match.</summary>
    private ImapSearchKey ReadSearchProgram(ImapReader reader, ImapSelectedFolder selected)
    {
        var keys = new List<ImapSearchKey>();
        do
        {
            keys.Add(ReadSearchKey(reader, selected));
        }
        while (reader.TryConsume((byte)' '));
        reader.ExpectEnd();
        return keys.Count == 1 ? keys[0] : new ImapAllOfSearchKey(keys);
    }

    /// <summary>
    /// The messages the client knows that match, in UID (and so sequence) order. A first pass decides
    /// what the metadata can; the messages left open are read and parsed a few at a time in parallel.
    /// </summary>
    private async Task<List<ImapMessage>> FindAsync(ImapSearchKey program, ImapSelectedFolder selected, CancellationToken ct)
    {
        var messages = await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, Enumerable.Range(1, selected.Announced).Select(selected.UidAt).ToList(), ct);
        var matched = new bool[messages.Count];
        var open = new List<(int Index, ImapSearchCandidate Candidate)>();
        for (var i = 0; i < messages.Count; i++)
        {
            var sequence = selected.SequenceOf(messages[i].Uid);
            if (sequence == 0)
                continue;
            var candidate = new ImapSearchCandidate(sequence, messages[i]);
            switch (program.Matches(candidate))
            {
                case true:
                    matched[i] = true;
                    break;
                case null:
                    open.Add((i, candidate));
                    break;
            }
        }
        if (open.Count >= IndexedSearchThreshold && await AnswerFromSearchTextAsync(program, selected, open, ct))
        {
            var stillOpen = new List<(int Index, ImapSearchCandidate Candidate)>();
            foreach (var item in open)
            {
                switch (program.Matches(item.Candidate))
                {
                    case true:
                        matched[item.Index] = true;
                        break;
                    case null:
                        stillOpen.Add(item);
                        break;
                }
            }
            open = stillOpen;
        }
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = ContentSearchParallelism, CancellationToken = ct },
            async (item, token) => matched[item.Index] = await MatchesWithContentAsync(program, item.Candidate, token));
        return [.. messages.Where((_, i) => matched[i])];
    }

    /// <summary>Below this many open candidates, parsing them is cheaper than the indexed queries.</summary>
    private const int IndexedSearchThreshold = 32;

    /// <summary>
    /// Answers the text keys that can be answered from the stored search text (<see cref="ImapSearchText"/>)
    /// with one query each, after storing the text of the open candidates that have none yet. Returns
    /// false when no key could be answered so.
    /// </summary>
    private async Task<bool> AnswerFromSearchTextAsync(ImapSearchKey program, ImapSelectedFolder selected, List<(int Index, ImapSearchCandidate Candidate)> open,
        CancellationToken ct)
    {
        var keys = new List<ImapTextSearchKey>();
        program.CollectTextKeys(keys);
        keys.RemoveAll(k => !k.IsIndexable);
        if (keys.Count == 0)
            return false;
        var missing = await _gateway.Store.MissingSearchTextAsync([.. open.Select(o => o.Candidate.Message.Id)], ct);
        await _gateway.SearchTextIndexer.IndexAsync([.. missing.Select(id => (AccountId, id))], ContentSearchParallelism, ct);
        // Every open candidate now has its text stored, or is gone (and then matches nothing, as on
        // the parsing path), so a key's answer for the candidates is exactly "in the result".
        foreach (var key in keys)
            key.Matching = await _gateway.Store.MatchSearchTextAsync(AccountId, selected.FolderId, key.Query, ct);
        return true;
    }

    /// <summary>Blob reads and MimeKit parses in flight at once for one SEARCH: enough to hide round trips, few enough for 2 cores.</summary>
    private const int ContentSearchParallelism = 4;

    private async Task<bool> MatchesWithContentAsync(ImapSearchKey program, ImapSearchCandidate candidate, CancellationToken ct)
    {
        var raw = await _gateway.Queries.GetRawAsync(AccountId, candidate.Message.Id, ct);
        if (raw is null)
            return false;
        var parsed = ImapParsedMessage.Parse(raw);
        var text = parsed.Message is null ? System.Text.Encoding.UTF8.GetString(raw) : null;
        return program.Matches(candidate with { ContentLoaded = true, Content = parsed.Message, RawText = text }) ?? false;
    }

    private void WriteSearch(List<long> results, long? highestModSeq)
    {
        _out.Raw("* SEARCH");
        foreach (var result in results)
            _out.Raw(" ").Number(result);
        if (highestModSeq is { } modSeq)
            _out.Raw(" (MODSEQ ").Number(modSeq).Raw(")");
        _out.Line();
    }

    /// <summary>RFC 4731 §3.1 ESEARCH; RFC 5182 §2.4: SAVE alone sends no ESEARCH, SAVE with MIN/MAX only saves those.</summary>
    private void WriteESearch(string tag, bool uid, ImapSearchReturn returns, List<long> results, long? highestModSeq, ImapSelectedFolder selected, List<ImapMessage> found)
    {
        if (returns.Save)
        {
            var saved = found.Select(m => m.Uid).ToList();
            if ((returns.Min || returns.Max) && !returns.All && !returns.Count && saved.Count > 0)
                saved = [.. new[] { returns.Min ? saved[0] : -1, returns.Max ? saved[^1] : -1 }.Where(u => u >= 0).Distinct()];
            selected.SavedSearch = saved;
            if (!returns.Min && !returns.Max && !returns.All && !returns.Count)
                return;
        }
        _out.Raw("* ESEARCH (TAG ").Text(tag).Raw(")");
        if (uid)
            _out.Raw(" UID");
        if (results.Count > 0)
        {
            if (returns.Min)
                _out.Raw(" MIN ").Number(results.Min());
            if (returns.Max)
                _out.Raw(" MAX ").Number(results.Max());
            if (returns.All)
                _out.Raw(" ALL ").Raw(ImapSequenceSet.Format(results));
        }
        if (returns.Count)
            _out.Raw(" COUNT ").Number(results.Count);
        if (highestModSeq is { } modSeq)
            _out.Raw(" MODSEQ ").Number(modSeq);
        _out.Line();
    }

    private static void ForgetSavedResult(ImapSelectedFolder selected, ImapSearchReturn? returns)
    {
        if (returns?.Save == true)
            selected.SavedSearch = [];
    }

    /// <summary>RFC 4731 §3.1: "RETURN (" [option *(SP option)] ")"; an empty list means ALL.</summary>
    private static ImapSearchReturn? ReadSearchReturn(ImapReader reader)
    {
        if (!reader.TryConsumeWord("RETURN "))
            return null;
        reader.Expect((byte)'(');
        var returns = new ImapSearchReturn();
        if (reader.TryConsume((byte)')'))
        {
            reader.ExpectSpace();
            return returns with { All = true };
        }
        do
        {
            returns = reader.ReadKeyword() switch
            {
                "MIN" => returns with { Min = true },
                "MAX" => returns with { Max = true },
                "ALL" => returns with { All = true },
                "COUNT" => returns with { Count = true },
                "SAVE" => returns with { Save = true },
                var other => throw new ImapParseException("Unknown SEARCH RETURN option " + other),
            };
        }
        while (reader.TryConsume((byte)' '));
        reader.Expect((byte)')');
        reader.ExpectSpace();
        return returns;
    }

    private ImapSearchKey ReadSearchKey(ImapReader reader, ImapSelectedFolder selected)
    {
        if (reader.TryConsume((byte)'('))
        {
            reader.EnterGroup();
            var group = new List<ImapSearchKey>();
            do
            {
                group.Add(ReadSearchKey(reader, selected));
            }
            while (reader.TryConsume((byte)' '));
            reader.Expect((byte)')');
            reader.LeaveGroup();
            return new ImapAllOfSearchKey(group);
        }
        if (reader.PeekSequenceSet())
        {
            var set = reader.ReadSequenceSet();
            var sequences = selected.Resolve(set, byUid: false).ToHashSet();
            return new ImapMetadataSearchKey((s, _) => sequences.Contains(s));
        }
        var key = reader.ReadKeyword();
        static ImapSearchKey Flag(MessageFlags flag, bool set) => new ImapMetadataSearchKey((_, m) => m.Flags.HasFlag(flag) == set);
        string Operand()
        {
            reader.ExpectSpace();
            return reader.ReadAString();
        }
        switch (key)
        {
            case "ALL":
                return new ImapMetadataSearchKey((_, _) => true);
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
                return new ImapMetadataSearchKey((_, _) => false);
            case "OLD":
                return new ImapMetadataSearchKey((_, _) => true);
            case "KEYWORD" or "UNKEYWORD":
                {
                    reader.ExpectSpace();
                    var keyword = reader.ReadAtom();
                    var wanted = key == "KEYWORD";
                    return new ImapMetadataSearchKey((_, m) => m.Keywords.Contains(keyword, StringComparer.OrdinalIgnoreCase) == wanted);
                }
            case "LARGER" or "SMALLER":
                {
                    reader.ExpectSpace();
                    var size = reader.ReadNumber(long.MaxValue);
                    return new ImapMetadataSearchKey(key == "LARGER" ? (_, m) => m.Size > size : (_, m) => m.Size < size);
                }
            case "BEFORE" or "ON" or "SINCE":
                {
                    reader.ExpectSpace();
                    var date = reader.ReadDate();
                    // RFC 9051 §6.4.4: internal dates compared by date only, disregarding time and zone.
                    return new ImapMetadataSearchKey(key switch
                    {
                        "BEFORE" => (_, m) => DateOnly.FromDateTime(m.InternalDate.DateTime) < date,
                        "ON" => (_, m) => DateOnly.FromDateTime(m.InternalDate.DateTime) == date,
                        _ => (_, m) => DateOnly.FromDateTime(m.InternalDate.DateTime) >= date,
                    });
                }
            case "UID":
                {
                    reader.ExpectSpace();
                    var set = reader.ReadSequenceSet();
                    var sequences = selected.Resolve(set, byUid: true).ToHashSet();
                    return new ImapMetadataSearchKey((s, _) => sequences.Contains(s));
                }
            case "MODSEQ":
                {
                    // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer. Flags
                    // have no MODSEQ of their own here, so the entry is read and the message's is used.
                    reader.ExpectSpace();
                    if (reader.Peek() == '"')
                    {
                        reader.ReadAString();
                        reader.ExpectSpace();
                        var type = reader.ReadKeyword();
                        if (type is not ("PRIV" or "SHARED" or "ALL"))
                            throw new ImapParseException("Invalid MODSEQ entry type");
                        reader.ExpectSpace();
                    }
                    var since = reader.ReadNumber(long.MaxValue);
                    _searchUsesModSeq = true;
                    return new ImapMetadataSearchKey((_, m) => m.ModSeq >= since);
                }
            case "SUBJECT" or "FROM" or "TO" or "CC" or "BCC":
                return ImapTextSearchKey.Header(CultureInfo.InvariantCulture.TextInfo.ToTitleCase(key.ToLowerInvariant()), Operand());
            case "HEADER":
                {
                    var field = Operand();
                    return ImapTextSearchKey.Header(field, Operand());
                }
            case "BODY":
                return ImapTextSearchKey.Body(Operand());
            case "TEXT":
                return ImapTextSearchKey.Text(Operand());
            case "NOT":
                reader.ExpectSpace();
                return new ImapNotSearchKey(ReadSearchKey(reader, selected));
            case "OR":
                {
                    reader.ExpectSpace();
                    var left = ReadSearchKey(reader, selected);
                    reader.ExpectSpace();
                    var right = ReadSearchKey(reader, selected);
                    return new ImapOrSearchKey(left, right);
                }
            default:
                throw new ImapParseException("Unsupported SEARCH key " + key);
        }
    }
}
