using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>RFC 9051 §6.3.2 SELECT / §6.3.3 EXAMINE.</summary>
    private async Task<Next> SelectAsync(string tag, ImapReader reader, bool readOnly, CancellationToken ct)
    {
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        var qresync = reader.TryConsume((byte)' ') ? ReadSelectParameters(reader) : null;
        reader.ExpectEnd();
        if (_selected is not null)
        {
            // RFC 9051 §7.1: the previous mailbox is closed (without expunging) before the new one opens.
            _selected = null;
            _state = SessionState.Authenticated;
            _out.Raw("* OK [CLOSED] Previous mailbox closed\r\n");
        }
        var folder = await FindFolderAsync(name, ct);
        var snapshot = folder is null ? null : await _gateway.Store.SelectAsync(AccountId, folder.Id, ct);
        if (snapshot is null)
        {
            Tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
            return Next.Continue;
        }
        await WatchAsync();
        _signal!.TakeChanged();
        _seenModSeq = snapshot.HighestModSeq;
        _ownModSeqs.Clear();
        var selected = new ImapSelectedFolder(snapshot.Folder.Id, snapshot.Folder.Name, snapshot.Folder.UidValidity, readOnly, snapshot.Uids);

        _out.Raw("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
        foreach (var keyword in snapshot.Keywords)
            _out.Raw(" ").Raw(keyword);
        _out.Raw(")\r\n");
        // \* : clients may create keywords (RFC 9051 §7.1 PERMANENTFLAGS); none are permanent when read-only.
        _out.Raw(readOnly ? "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n" : "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n");
        _out.Raw("* ").Number(snapshot.Uids.Length).Raw(" EXISTS\r\n");
        if (_imap4rev2)
        {
            // RFC 9051 §6.3.2: an IMAP4rev2 server names the mailbox in an untagged LIST; RECENT and
            // the UNSEEN code are gone (Appendix E), a client finds unseen mail with SEARCH.
            _out.Raw("* LIST (");
            if (SpecialUse(snapshot.Folder.Role) is { } use)
                _out.Raw(use);
            _out.Raw(") \"/\" ");
            WriteMailboxName(name);
            _out.Line();
        }
        else
        {
            // IMAP4rev1 requires RECENT; this server keeps no per-session \Recent (removed in IMAP4rev2).
            _out.Raw("* 0 RECENT\r\n");
            if (snapshot.FirstUnseenUid is { } unseen)
                _out.Raw("* OK [UNSEEN ").Number(selected.SequenceOf(unseen)).Raw("] First unseen\r\n");
        }
        _out.Raw("* OK [UIDVALIDITY ").Number(snapshot.Folder.UidValidity).Raw("] UIDs valid\r\n");
        _out.Raw("* OK [UIDNEXT ").Number(snapshot.Folder.UidNext).Raw("] Predicted next UID\r\n");
        // RFC 7162 §3.1.2.1: MODSEQs persist here, so every SELECT says HIGHESTMODSEQ (never NOMODSEQ).
        _out.Raw("* OK [HIGHESTMODSEQ ").Number(HighestModSeqOf(snapshot.Folder)).Raw("] Highest\r\n");
        _selected = selected;
        _state = SessionState.Selected;
        if (qresync is not null)
            await WriteQresyncAsync(selected, snapshot, qresync, ct);
        Tagged(tag, "OK", readOnly ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
        return Next.Continue;
    }

    /// <summary>CLOSE expunges silently (RFC 9051 §6.4.1); UNSELECT (RFC 3691) just leaves.</summary>
    private async Task<Next> CloseAsync(string tag, ImapReader reader, bool expunge, CancellationToken ct)
    {
        reader.ExpectEnd();
        var selected = _selected!;
        if (expunge && !selected.ReadOnly)
        {
            var deleted = await DeletedMessageIdsAsync(selected, null, ct);
            if (deleted.Count > 0)
                await Mailbox.ExpungeAsync(deleted);
        }
        _selected = null;
        _state = SessionState.Authenticated;
        Tagged(tag, "OK", expunge ? "CLOSE completed" : "UNSELECT completed");
        return Next.Continue;
    }

    /// <summary>RFC 9051 §6.4.3 EXPUNGE and RFC 4315 UID EXPUNGE (only the given UIDs).</summary>
    private async Task<Next> ExpungeAsync(string tag, ImapReader reader, bool uid, CancellationToken ct)
    {
        ImapSequenceSet? only = null;
        if (uid)
        {
            reader.ExpectSpace();
            only = reader.ReadSequenceSet();
        }
        reader.ExpectEnd();
        var selected = _selected!;
        if (selected.ReadOnly)
        {
            Tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
            return Next.Continue;
        }
        // Others' changes first, so that the sequence numbers below are the ones the client knows.
        await ReportChangesAsync(expungeAllowed: true, ct);
        var deleted = await DeletedMessageIdsAsync(selected, only, ct);
        if (deleted.Count > 0)
        {
            var result = await Mailbox.ExpungeAsync(deleted);
            // Highest sequence number first: each EXPUNGE renumbers the messages after it.
            foreach (var change in result.Changed.OrderByDescending(c => c.Uid))
            {
                var sequence = selected.SequenceOf(change.Uid);
                if (sequence == 0)
                    continue;
                WriteExpunge(sequence, change.Uid);
                selected.RemoveAt(sequence);
            }
        }
        Tagged(tag, "OK", "EXPUNGE completed");
        return Next.Continue;
    }

    /// <summary>Message ids of the \Deleted messages the client knows (restricted to a UID set for UID EXPUNGE).</summary>
    private async Task<List<long>> DeletedMessageIdsAsync(ImapSelectedFolder selected, ImapSequenceSet? only, CancellationToken ct)
    {
        var uids = new List<long>();
        var sequences = only is null ? Enumerable.Range(1, selected.Announced).ToList() : selected.Resolve(only, byUid: true);
        foreach (var sequence in sequences)
            uids.Add(selected.UidAt(sequence));
        var messages = await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, uids, ct);
        return [.. messages.Where(m => m.Flags.HasFlag(MessageFlags.Deleted)).Select(m => m.Id)];
    }
}
