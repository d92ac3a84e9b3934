using RestMail.Storage.Mail;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// RFC 7162 §3.1: CONDSTORE is on once the client used a CONDSTORE-enabling command (ENABLE, SELECT
    /// (CONDSTORE), FETCH MODSEQ or CHANGEDSINCE, SEARCH MODSEQ, STORE UNCHANGEDSINCE); from then on
    /// every untagged FETCH that reports flags also reports MODSEQ.
    /// </summary>
    private bool _condStore;

    /// <summary>RFC 7162 §3.2.3: after ENABLE QRESYNC removals are VANISHED, never EXPUNGE.</summary>
    private bool _qresync;

    /// <summary>HIGHESTMODSEQ of a folder: its own highest MODSEQ (never 0, RFC 7162 §7 mod-sequence-value).</summary>
    private static long HighestModSeqOf(FolderInfo folder) => Math.Max(1, folder.ModSeq);

    /// <summary>SELECT/EXAMINE parameters (RFC 4466 §2.1): (CONDSTORE) and (QRESYNC (...)).</summary>
    private ImapQresyncParameters? ReadSelectParameters(ImapReader reader)
    {
        ImapQresyncParameters? qresync = null;
        reader.Expect((byte)'(');
        do
        {
            var name = reader.ReadKeyword();
            if (name == "CONDSTORE")
            {
                _condStore = true;
                continue;
            }
            if (name != "QRESYNC")
                throw new ImapParseException("Unknown SELECT parameter " + name);
            // RFC 7162 §3.2.5: QRESYNC without ENABLE QRESYNC first is a protocol error.
            if (!_qresync)
                throw new ImapParseException("QRESYNC is not enabled");
            reader.ExpectSpace();
            reader.Expect((byte)'(');
            var uidValidity = reader.ReadNonZeroNumber();
            reader.ExpectSpace();
            var modSeq = reader.ReadNumber(long.MaxValue);
            ImapSequenceSet? known = null;
            ImapSequenceMatch? match = null;
            if (reader.TryConsume((byte)' ') && reader.Peek() != '(')
            {
                known = reader.ReadSequenceSet();
                reader.TryConsume((byte)' ');
            }
            if (reader.TryConsume((byte)'('))
            {
                var sequences = reader.ReadSequenceSet();
                reader.ExpectSpace();
                var uids = reader.ReadSequenceSet();
                reader.Expect((byte)')');
                match = ImapSequenceMatch.Create(sequences, uids);
            }
            reader.Expect((byte)')');
            qresync = new ImapQresyncParameters(uidValidity, modSeq, known, match);
        }
        while (reader.TryConsume((byte)' '));
        reader.Expect((byte)')');
        return qresync;
    }

    /// <summary>
    /// RFC 7162 §3.2.5.1: after the usual SELECT responses, what the client missed since its cached
    /// MODSEQ: the expunged UIDs as VANISHED (EARLIER), then a FETCH for every message changed since.
    /// </summary>
    private async Task WriteQresyncAsync(ImapSelectedFolder selected, ImapFolderSnapshot snapshot, ImapQresyncParameters qresync, CancellationToken ct)
    {
        if (qresync.UidValidity != snapshot.Folder.UidValidity)
            return;
        var vanished = await VanishedSinceAsync(selected, qresync.ModSeq, qresync.KnownUids, qresync.SequenceMatch, snapshot.Folder.UidNext - 1, ct);
        WriteVanishedEarlier(vanished);
        var messages = await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, snapshot.Uids, ct);
        foreach (var message in messages.Where(m => m.ModSeq > qresync.ModSeq))
        {
            var sequence = selected.SequenceOf(message.Uid);
            if (sequence > 0)
                WriteFlagsFetch(sequence, message);
        }
    }

    /// <summary>
    /// UIDs (within <paramref name="within"/>, when given) removed from the folder after
    /// <paramref name="sinceModSeq"/>, from the change log. Past the log's floor, RFC 7162 §3.2.5.2 lets
    /// the server name every UID of the range that is not in the folder now, which is what happens,
    /// except below the highest UID the client's sequence match data proves unchanged.
    /// </summary>
    private async Task<List<long>> VanishedSinceAsync(ImapSelectedFolder selected, long sinceModSeq, ImapSequenceSet? within, ImapSequenceMatch? match, long largestUid, CancellationToken ct)
    {
        var logged = await _gateway.Store.GetRemovedUidsSinceAsync(AccountId, selected.FolderId, sinceModSeq, ct);
        if (logged is not null)
            return [.. logged.Where(uid => within?.Contains(uid, largestUid) ?? true).Order()];
        var ranges = within?.Ranges ?? [(1, largestUid)];
        var unchangedUpTo = match?.HighestUnchangedUid(selected.SequenceOf) ?? 0;
        var missing = new List<long>();
        foreach (var (first, last) in ranges)
        {
            var a = Math.Min(first == ImapSequenceSet.Star ? largestUid : first, largestUid);
            var b = Math.Min(last == ImapSequenceSet.Star ? largestUid : last, largestUid);
            if (a > b)
                (a, b) = (b, a);
            a = Math.Max(a, unchangedUpTo + 1);
            for (var uid = a; uid <= b && missing.Count < 1_000_000; uid++)
            {
                if (selected.SequenceOf(uid) == 0)
                    missing.Add(uid);
            }
        }
        return [.. missing.Distinct().Order()];
    }

    private void WriteVanishedEarlier(List<long> uids)
    {
        if (uids.Count > 0)
            _out.Raw("* VANISHED (EARLIER) ").Raw(ImapSequenceSet.Format(uids)).Line();
    }

    /// <summary>
    /// A message left the folder: EXPUNGE by sequence number, or after ENABLE QRESYNC, VANISHED by UID
    /// (RFC 7162 §3.2.10). The caller renumbers the map afterwards either way.
    /// </summary>
    private void WriteExpunge(int sequence, long uid)
    {
        if (_qresync)
            _out.Raw("* VANISHED ").Number(uid).Line();
        else
            _out.Raw("* ").Number(sequence).Raw(" EXPUNGE\r\n");
    }
}
