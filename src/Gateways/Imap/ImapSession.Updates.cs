using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    private ImapSelectedFolder? _selected;
    private ImapMailboxSignal? _signal;
    private IMailboxObserver? _observerReference;
    private DateTimeOffset _nextSubscribe;

    /// <summary>The account MODSEQ up to which the selected folder's changes were reported.</summary>
    private long _seenModSeq;

    /// <summary>Flag changes this session made and already answered with FETCH: not repeated.</summary>
    private readonly HashSet<long> _ownModSeqs = [];

    private IMailboxGrain Mailbox => _gateway.Grains.GetGrain<IMailboxGrain>(AccountId);

    /// <summary>Subscribes to the account's mailbox grain (after login), renewing before the grain forgets us.</summary>
    private async Task WatchAsync()
    {
        var now = _gateway.Time.GetUtcNow();
        if (_signal is not null && now < _nextSubscribe)
            return;
        if (_signal is null)
        {
            _signal = new ImapMailboxSignal();
            _observerReference = _gateway.Grains.CreateObjectReference<IMailboxObserver>(_signal);
        }
        await Mailbox.SubscribeAsync(_observerReference!);
        // A lapsed subscription may have missed a push: read the log once to be sure.
        _signal.MarkChanged();
        _nextSubscribe = now + Options.ResubscribeInterval;
    }

    private async Task StopWatchingAsync()
    {
        if (_observerReference is null || _account is null)
            return;
        try
        {
            await Mailbox.UnsubscribeAsync(_observerReference);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The grain forgets observers that stop answering anyway.
        }
        _gateway.Grains.DeleteObjectReference<IMailboxObserver>(_observerReference);
        _observerReference = null;
    }

    /// <summary>
    /// Reports what other sessions (and REST, and delivery) changed in the selected folder since the
    /// last report, in change-log order: EXISTS for new messages, EXPUNGE for removed ones, FETCH
    /// FLAGS for flag changes. RFC 9051 §7.5.1: EXPUNGE must not be sent during FETCH, STORE or
    /// SEARCH (sequence numbers the client is using would shift), so there the report stops at the
    /// first removal and the rest waits for a later command.
    /// </summary>
    private async Task ReportChangesAsync(bool expungeAllowed, CancellationToken ct)
    {
        if (_selected is null || _signal is null)
            return;
        await WatchAsync();
        if (!_signal.TakeChanged())
            return;
        var selected = _selected;
        var flagChanged = new HashSet<long>();
        var stopped = false;
        while (!stopped)
        {
            var feed = await _gateway.Queries.GetChangesAsync(AccountId, _seenModSeq, 1000, ct);
            if (feed.ResyncRequired)
            {
                await ResyncAsync(expungeAllowed, ct);
                return;
            }
            foreach (var change in feed.Changes)
            {
                if (!Apply(selected, change, expungeAllowed, flagChanged))
                {
                    stopped = true;
                    // Come back to it at the next command that may report removals.
                    _signal.MarkChanged();
                    break;
                }
                _seenModSeq = change.ModSeq;
            }
            if (feed.Changes.Count < 1000)
                break;
        }
        AnnounceExists(selected);
        if (flagChanged.Count > 0)
        {
            var messages = await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, flagChanged, ct);
            foreach (var message in messages)
            {
                var sequence = selected.SequenceOf(message.Uid);
                if (sequence > 0 && sequence <= selected.Announced)
                    WriteFlagsFetch(sequence, message);
            }
        }
    }

    /// <summary>Applies one change-log row to the map; false when it is a removal that may not be reported now.</summary>
    private bool Apply(ImapSelectedFolder selected, ChangeRecord change, bool expungeAllowed, HashSet<long> flagChanged)
    {
        var folder = selected.FolderId;
        var removedUid = change.Kind switch
        {
            ChangeKind.Expunged when change.FolderId == folder => change.Uid,
            ChangeKind.Moved when change.PrevFolderId == folder => change.PrevUid,
            _ => null,
        };
        if (removedUid is { } uid && selected.SequenceOf(uid) is var sequence and > 0)
        {
            if (!expungeAllowed)
                return false;
            // The client must know a message before it can be told it is gone.
            AnnounceExists(selected);
            WriteExpunge(sequence, uid);
            selected.RemoveAt(sequence);
            flagChanged.Remove(uid);
        }
        if (change.Kind is ChangeKind.Added or ChangeKind.Moved && change.FolderId == folder && change.Uid is { } added)
            selected.Add(added);
        if (change.Kind == ChangeKind.FlagsChanged && change.FolderId == folder && change.Uid is { } changed && !_ownModSeqs.Remove(change.ModSeq))
            flagChanged.Add(changed);
        return true;
    }

    private void AnnounceExists(ImapSelectedFolder selected)
    {
        if (selected.Count == selected.Announced)
            return;
        selected.Announced = selected.Count;
        _out.Raw("* ").Number(selected.Count).Raw(" EXISTS\r\n");
    }

    private void WriteFlagsFetch(int sequence, ImapMessage message)
    {
        _out.Raw("* ").Number(sequence).Raw(" FETCH (UID ").Number(message.Uid).Raw(" FLAGS ");
        WriteFlagList(message.Flags, message.Keywords);
        // RFC 7162 §3.1.4.1: once CONDSTORE is on, a flag change carries its MODSEQ.
        if (_condStore)
            _out.Raw(" MODSEQ (").Number(message.ModSeq).Raw(")");
        _out.Raw(")\r\n");
    }

    /// <summary>The change log no longer reaches back far enough: compare the whole folder instead.</summary>
    private async Task ResyncAsync(bool expungeAllowed, CancellationToken ct)
    {
        var selected = _selected!;
        var snapshot = await _gateway.Store.SelectAsync(AccountId, selected.FolderId, ct);
        if (snapshot is null)
            return;
        var present = snapshot.Uids.ToHashSet();
        if (expungeAllowed)
        {
            for (var sequence = selected.Count; sequence >= 1; sequence--)
            {
                if (!present.Contains(selected.UidAt(sequence)))
                {
                    if (sequence <= selected.Announced)
                        WriteExpunge(sequence, selected.UidAt(sequence));
                    selected.RemoveAt(sequence);
                }
            }
            _seenModSeq = snapshot.HighestModSeq;
        }
        else
        {
            _signal?.MarkChanged();
        }
        for (var i = 0; i < snapshot.Uids.Length; i++)
            selected.Add(snapshot.Uids[i]);
        AnnounceExists(selected);
    }

    private void WriteFlagList(MessageFlags flags, IReadOnlyList<string> keywords)
    {
        _out.Raw("(");
        var first = true;
        void Item(string text)
        {
            if (!first)
                _out.Raw(" ");
            _out.Raw(text);
            first = false;
        }
        if (flags.HasFlag(MessageFlags.Seen))
            Item("\\Seen");
        if (flags.HasFlag(MessageFlags.Answered))
            Item("\\Answered");
        if (flags.HasFlag(MessageFlags.Flagged))
            Item("\\Flagged");
        if (flags.HasFlag(MessageFlags.Deleted))
            Item("\\Deleted");
        if (flags.HasFlag(MessageFlags.Draft))
            Item("\\Draft");
        foreach (var keyword in keywords)
            Item(keyword);
        _out.Raw(")");
    }
}
