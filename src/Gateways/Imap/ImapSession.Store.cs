using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// RFC 9051 §6.4.6 STORE (FLAGS, +FLAGS, -FLAGS, .SILENT) with RFC 7162 UNCHANGEDSINCE, through the
    /// mailbox grain so that MODSEQ, the change log and push follow.
    /// </summary>
    private async Task<Next> StoreAsync(string tag, ImapReader reader, bool uid, CancellationToken ct)
    {
        reader.ExpectSpace();
        var set = reader.ReadSequenceSet();
        reader.ExpectSpace();
        long? unchangedSince = null;
        if (reader.TryConsume((byte)'('))
        {
            if (!reader.TryConsumeWord("UNCHANGEDSINCE"))
                throw new ImapParseException("Unknown STORE modifier");
            reader.ExpectSpace();
            unchangedSince = reader.ReadNumber(long.MaxValue);
            reader.Expect((byte)')');
            _condStore = true;
            reader.ExpectSpace();
        }
        var mode = reader.TryConsume((byte)'+') ? '+' : reader.TryConsume((byte)'-') ? '-' : '=';
        var item = reader.ReadKeyword();
        if (item is not ("FLAGS" or "FLAGS.SILENT"))
            throw new ImapParseException("Expected FLAGS or FLAGS.SILENT");
        var silent = item == "FLAGS.SILENT";
        reader.ExpectSpace();
        var (flags, keywords) = ParseFlags(reader.ReadFlags());
        reader.ExpectEnd();

        var selected = _selected!;
        if (selected.ReadOnly)
        {
            Tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
            return Next.Continue;
        }
        var sequences = selected.Resolve(set, uid);
        var messages = await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, sequences.Select(selected.UidAt).ToList(), ct);
        var update = mode switch
        {
            '+' => new FlagUpdate { MessageIds = [.. messages.Select(m => m.Id)], Add = flags, AddKeywords = keywords },
            '-' => new FlagUpdate { MessageIds = [.. messages.Select(m => m.Id)], Remove = flags, RemoveKeywords = keywords },
            _ => new FlagUpdate
            {
                // Replacing is adding the new set and removing everything else these messages carry.
                MessageIds = [.. messages.Select(m => m.Id)],
                Add = flags,
                Remove = ~flags & (MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft),
                AddKeywords = keywords,
                RemoveKeywords = [.. messages.SelectMany(m => m.Keywords).Distinct(StringComparer.Ordinal).Except(keywords, StringComparer.Ordinal)],
            },
        };
        update = update with { UnchangedSince = unchangedSince };
        var result = messages.Count == 0 ? new BulkResult() : await Mailbox.SetFlagsAsync(update);
        var changed = result.Changed.ToDictionary(c => c.Uid);
        var refused = result.Modified.ToHashSet();
        foreach (var change in result.Changed)
            _ownModSeqs.Add(change.ModSeq);
        var modified = new List<long>();
        foreach (var message in messages)
        {
            var sequence = selected.SequenceOf(message.Uid);
            if (sequence == 0)
                continue;
            if (!changed.TryGetValue(message.Uid, out var change))
            {
                // RFC 7162 §3.1.3: messages changed since UNCHANGEDSINCE are not stored and are listed in
                // MODIFIED. The grain decides under its row lock, so a change racing this STORE counts.
                if (refused.Contains(message.Id))
                {
                    modified.Add(uid ? message.Uid : sequence);
                    continue;
                }
                if (!silent)
                    WriteStoreFetch(sequence, message, uid);
                continue;
            }
            if (!silent)
                WriteStoreFetch(sequence, message with { Flags = change.Flags, Keywords = change.Keywords, ModSeq = change.ModSeq }, uid);
        }
        await ReportChangesAsync(expungeAllowed: uid, ct);
        Tagged(tag, "OK", modified.Count > 0 ? $"[MODIFIED {ImapSequenceSet.Format(modified)}] Conditional STORE failed for some messages" : "STORE completed");
        return Next.Continue;
    }

    private void WriteStoreFetch(int sequence, ImapMessage message, bool uid)
    {
        _out.Raw("* ").Number(sequence).Raw(" FETCH (");
        if (uid)
            _out.Raw("UID ").Number(message.Uid).Raw(" ");
        _out.Raw("FLAGS ");
        WriteFlagList(message.Flags, message.Keywords);
        // RFC 7162 §3.1.4.1: with CONDSTORE on, the answer carries the new MODSEQ.
        if (_condStore)
            _out.Raw(" MODSEQ (").Number(message.ModSeq).Raw(")");
        _out.Raw(")\r\n");
    }

    /// <summary>
    /// RFC 9051 §6.4.7 COPY and RFC 6851 MOVE, with RFC 4315 COPYUID. Both go through the mailbox
    /// grain (quota, new UIDs, change log). MOVE reports the removals itself, as EXPUNGE.
    /// </summary>
    private async Task<Next> CopyAsync(string tag, ImapReader reader, bool uid, bool move, CancellationToken ct)
    {
        reader.ExpectSpace();
        var set = reader.ReadSequenceSet();
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        reader.ExpectEnd();
        var selected = _selected!;
        if (move && selected.ReadOnly)
        {
            Tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
            return Next.Continue;
        }
        var target = await FindFolderAsync(name, ct);
        if (target is null)
        {
            Tagged(tag, "NO", "[TRYCREATE] No such mailbox");
            return Next.Continue;
        }
        var sequences = selected.Resolve(set, uid);
        // The session keeps UIDs only; the store knows their message ids (those still in the folder).
        var sources = (await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, [.. sequences.Select(selected.UidAt)], ct))
            .Select(m => (m.Uid, m.Id)).ToList();
        if (sources.Count == 0)
        {
            Tagged(tag, "OK", move ? "MOVE completed" : "COPY completed");
            return Next.Continue;
        }
        var result = move
            ? await Mailbox.MoveAsync([.. sources.Select(s => s.Id)], target.Id)
            : await Mailbox.CopyAsync([.. sources.Select(s => s.Id)], target.Id);
        if (result.Status != DeliveryStatus.Stored)
        {
            Tagged(tag, "NO", result.Status == DeliveryStatus.OverQuota ? "[OVERQUOTA] Quota exceeded" : "[TRYCREATE] No such mailbox");
            return Next.Continue;
        }
        // COPYUID pairs source and target UIDs in order. A move keeps the message id; a copy assigns
        // target UIDs in the order of the source message ids (MailboxTransaction.CopyAsync).
        var pairs = move
            ? result.Changed.Select(c => (Source: sources.First(s => s.Id == c.MessageId).Uid, Target: c.Uid)).ToList()
            : sources.Where(s => !result.NotFound.Contains(s.Id)).OrderBy(s => s.Id).Zip(result.Changed.OrderBy(c => c.Uid), (s, c) => (Source: s.Uid, Target: c.Uid)).ToList();
        pairs = [.. pairs.OrderBy(p => p.Source)];
        var copyUid = pairs.Count == 0 ? "" : $"[COPYUID {target.UidValidity} {ImapSequenceSet.FormatOrdered(pairs.Select(p => p.Source))} {ImapSequenceSet.FormatOrdered(pairs.Select(p => p.Target))}] ";
        if (!move)
        {
            await ReportChangesAsync(expungeAllowed: true, ct);
            Tagged(tag, "OK", copyUid + "COPY completed");
            return Next.Continue;
        }
        // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
        if (copyUid.Length > 0)
            _out.Raw("* OK ").Raw(copyUid).Raw("Moved\r\n");
        foreach (var (source, _) in pairs.OrderByDescending(p => p.Source))
        {
            var sequence = selected.SequenceOf(source);
            if (sequence == 0)
                continue;
            WriteExpunge(sequence, source);
            selected.RemoveAt(sequence);
        }
        await ReportChangesAsync(expungeAllowed: true, ct);
        Tagged(tag, "OK", "MOVE completed");
        return Next.Continue;
    }
}
