using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// RFC 9051 §6.3.12 APPEND, with RFC 3502 MULTIAPPEND (several messages, all or none), RFC 4315
    /// APPENDUID and RFC 7889 APPENDLIMIT. Each message goes through the blob store and the mailbox
    /// grain like delivered mail (quota, UID, MODSEQ, change log, push).
    /// </summary>
    private async Task<Next> AppendAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        var messages = new List<(MessageFlags Flags, List<string> Keywords, DateTimeOffset? Date, ReadOnlyMemory<byte> Raw)>();
        while (reader.TryConsume((byte)' '))
        {
            var (flags, keywords) = (MessageFlags.None, new List<string>());
            if (reader.Peek() == '(')
            {
                (flags, keywords) = ParseFlags(reader.ReadFlags(), allowRecent: true);
                reader.ExpectSpace();
            }
            DateTimeOffset? date = null;
            if (reader.Peek() == '"')
            {
                date = reader.ReadDateTime();
                reader.ExpectSpace();
            }
            if (!reader.PeekLiteral())
                throw new ImapParseException("APPEND expects a literal");
            messages.Add((flags, keywords, date, reader.ReadStringBytes()));
        }
        reader.ExpectEnd();
        if (messages.Count == 0)
            throw new ImapParseException("APPEND without a message");
        var folder = await FindFolderAsync(name, ct);
        if (folder is null)
        {
            // RFC 9051 §6.3.12: [TRYCREATE] tells the client it may CREATE and retry.
            Tagged(tag, "NO", "[TRYCREATE] No such mailbox");
            return Next.Continue;
        }
        if (messages.Any(m => m.Raw.Length > Options.AppendLimit))
        {
            Tagged(tag, "NO", "[TOOBIG] Message larger than APPENDLIMIT");
            return Next.Continue;
        }
        var stored = new List<DeliveryResult>();
        foreach (var message in messages)
        {
            var content = await _gateway.Blobs.PrepareAsync(message.Raw, ct);
            var result = await Mailbox.DeliverAsync(new DeliveryRequest
            {
                Content = content,
                FolderId = folder.Id,
                Flags = message.Flags,
                Keywords = message.Keywords,
                InternalDate = message.Date,
            });
            if (result.Status != DeliveryStatus.Stored)
            {
                // RFC 3502 §6.3.11: MULTIAPPEND is all or nothing; take back what was stored.
                if (stored.Count > 0)
                    await Mailbox.ExpungeAsync([.. stored.Select(s => s.MessageId)]);
                Tagged(tag, "NO", result.Status == DeliveryStatus.OverQuota ? "[OVERQUOTA] Quota exceeded" : "[SERVERBUG] Message not stored");
                return Next.Continue;
            }
            stored.Add(result);
            _gateway.Metrics.MessageAppended();
        }
        await ReportChangesAsync(expungeAllowed: true, ct);
        // RFC 4315 §3: APPENDUID uidvalidity uid-set.
        Tagged(tag, "OK", $"[APPENDUID {folder.UidValidity} {ImapSequenceSet.Format(stored.Select(s => s.Uid))}] APPEND completed");
        return Next.Continue;
    }

    /// <summary>System flags and keywords; \Recent may be named by APPEND but is not stored (RFC 9051 §2.3.2).</summary>
    private static (MessageFlags Flags, List<string> Keywords) ParseFlags(IEnumerable<string> names, bool allowRecent = false)
    {
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var name in names)
        {
            switch (name.ToUpperInvariant())
            {
                case "\\SEEN":
                    flags |= MessageFlags.Seen;
                    break;
                case "\\ANSWERED":
                    flags |= MessageFlags.Answered;
                    break;
                case "\\FLAGGED":
                    flags |= MessageFlags.Flagged;
                    break;
                case "\\DELETED":
                    flags |= MessageFlags.Deleted;
                    break;
                case "\\DRAFT":
                    flags |= MessageFlags.Draft;
                    break;
                case "\\RECENT" when allowRecent:
                    break;
                default:
                    if (name.StartsWith('\\'))
                        throw new ImapParseException("Unknown system flag " + name);
                    if (name.Length > 100)
                        throw new ImapParseException("Keyword too long");
                    keywords.Add(name);
                    break;
            }
        }
        return (flags, keywords);
    }
}
