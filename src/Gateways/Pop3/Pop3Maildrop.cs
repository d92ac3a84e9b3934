using System.Globalization;

namespace RestMail.Gateways.Pop3;

/// <summary>How a message number given by the client resolves (RFC 1939 §5).</summary>
public enum MessageLookup
{
    Found,
    NoSuchMessage,
    Deleted,
}

/// <summary>
/// The session's maildrop: the whole Inbox as it was when the session opened it (RFC 1939 §4: the
/// numbering does not change during the session), with the messages marked by DELE.
/// </summary>
public sealed class Pop3Maildrop(long folderId, long uidValidity, IReadOnlyList<MaildropMessage> messages)
{
    private readonly bool[] _deleted = new bool[messages.Count];

    /// <summary>The Inbox folder's id.</summary>
    public long FolderId => folderId;

    /// <summary>Messages not marked as deleted.</summary>
    public int Count { get; private set; } = messages.Count;

    /// <summary>Octets of the messages not marked as deleted.</summary>
    public long Size { get; private set; } = messages.Sum(m => m.Size);

    /// <summary>Message numbers 1..N with their message, skipping the ones marked as deleted.</summary>
    public IEnumerable<(int Number, MaildropMessage Message)> Present()
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (!_deleted[i])
                yield return (i + 1, messages[i]);
        }
    }

    public MessageLookup Find(int number, out MaildropMessage message)
    {
        message = null!;
        if (number < 1 || number > messages.Count)
            return MessageLookup.NoSuchMessage;
        if (_deleted[number - 1])
            return MessageLookup.Deleted;
        message = messages[number - 1];
        return MessageLookup.Found;
    }

    /// <summary>Marks a message found by <see cref="Find"/> as deleted.</summary>
    public void MarkDeleted(int number)
    {
        if (_deleted[number - 1])
            return;
        _deleted[number - 1] = true;
        Count--;
        Size -= messages[number - 1].Size;
    }

    /// <summary>RSET: unmarks every message.</summary>
    public void Reset()
    {
        Array.Clear(_deleted);
        Count = messages.Count;
        Size = messages.Sum(m => m.Size);
    }

    /// <summary>The ids of the messages to expunge in the UPDATE state.</summary>
    public IReadOnlyList<long> DeletedIds() => [.. messages.Where((_, i) => _deleted[i]).Select(m => m.Id)];

    /// <summary>
    /// RFC 1939 §7 unique-id: "&lt;UIDVALIDITY&gt;.&lt;UID&gt;" of the Inbox, the same pair an IMAP
    /// client sees. Both are decimal, so the value stays within 0x21-0x7E and far below 70 octets;
    /// a message keeps it until it leaves the Inbox, and UIDVALIDITY never repeats for the folder.
    /// </summary>
    public string UniqueId(MaildropMessage message) =>
        string.Create(CultureInfo.InvariantCulture, $"{uidValidity}.{message.Uid}");
}
