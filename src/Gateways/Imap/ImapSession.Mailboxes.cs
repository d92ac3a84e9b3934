using System.Text;
using System.Text.RegularExpressions;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Mail;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>A mailbox name as the client sent it, decoded (modified UTF-7 unless UTF8=ACCEPT), INBOX canonical.</summary>
    private string ReadMailboxName(ImapReader reader)
    {
        var name = ImapMailboxNames.Decode(reader.ReadAString(), _out.Utf8Enabled) ?? throw new ImapParseException("Invalid modified UTF-7 in a mailbox name");
        return ImapMailboxNames.IsInbox(name) ? "INBOX" : name.TrimEnd(ImapMailboxNames.Delimiter);
    }

    private void WriteMailboxName(string name) => _out.Text(ImapMailboxNames.Encode(name, _out.Utf8Enabled));

    private static string ImapName(FolderInfo folder) => folder.Role == FolderRole.Inbox ? "INBOX" : folder.Name;

    private async Task<FolderInfo?> FindFolderAsync(string name, CancellationToken ct)
    {
        var folders = await _gateway.Queries.ListFoldersAsync(AccountId, ct);
        return folders.FirstOrDefault(f => string.Equals(ImapName(f), name, StringComparison.Ordinal));
    }

    /// <summary>
    /// RFC 9051 §6.3.9 LIST with RFC 5258 LIST-EXTENDED (selection and return options, several
    /// patterns), RFC 6154 SPECIAL-USE, RFC 3348 CHILDREN, RFC 5819 LIST-STATUS; and RFC 3501 LSUB.
    /// </summary>
    private async Task<Next> ListAsync(string tag, ImapReader reader, bool lsub, CancellationToken ct)
    {
        reader.ExpectSpace();
        var selectSubscribed = false;
        var selectSpecialUse = false;
        var recursiveMatch = false;
        if (!lsub && reader.TryConsume((byte)'('))
        {
            while (!reader.TryConsume((byte)')'))
            {
                reader.TryConsume((byte)' ');
                switch (reader.ReadKeyword())
                {
                    case "SUBSCRIBED":
                        selectSubscribed = true;
                        break;
                    case "SPECIAL-USE":
                        selectSpecialUse = true;
                        break;
                    case "RECURSIVEMATCH":
                        recursiveMatch = true;
                        break;
                    case "REMOTE":
                        break;
                    default:
                        throw new ImapParseException("Unknown LIST selection option");
                }
            }
            // RFC 5258 §3: RECURSIVEMATCH only refines another selection option (REMOTE does not count).
            if (recursiveMatch && !selectSubscribed && !selectSpecialUse)
                throw new ImapParseException("RECURSIVEMATCH needs another selection option");
            reader.ExpectSpace();
        }
        var reference = ImapMailboxNames.Decode(reader.ReadAString(), _out.Utf8Enabled) ?? throw new ImapParseException("Invalid mailbox reference");
        reader.ExpectSpace();
        var patterns = new List<string>();
        if (!lsub && reader.TryConsume((byte)'('))
        {
            do
            {
                patterns.Add(reader.ReadListMailbox());
            }
            while (reader.TryConsume((byte)' '));
            reader.Expect((byte)')');
        }
        else
        {
            patterns.Add(reader.ReadListMailbox());
        }
        var returnSubscribed = selectSubscribed;
        var returnSpecialUse = true;
        string[]? statusItems = null;
        if (!lsub && reader.TryConsume((byte)' '))
        {
            if (!reader.TryConsumeWord("RETURN"))
                throw new ImapParseException("Expected RETURN");
            reader.ExpectSpace();
            reader.Expect((byte)'(');
            while (!reader.TryConsume((byte)')'))
            {
                reader.TryConsume((byte)' ');
                switch (reader.ReadKeyword())
                {
                    case "SUBSCRIBED":
                        returnSubscribed = true;
                        break;
                    case "CHILDREN" or "SPECIAL-USE":
                        break;
                    case "STATUS":
                        reader.ExpectSpace();
                        statusItems = ReadStatusItems(reader);
                        break;
                    default:
                        throw new ImapParseException("Unknown LIST return option");
                }
            }
        }
        reader.ExpectEnd();

        // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter.
        if (patterns is [""])
        {
            _out.Raw(lsub ? "* LSUB" : "* LIST").Raw(" (\\Noselect) \"/\" \"\"\r\n");
            Tagged(tag, "OK", lsub ? "LSUB completed" : "LIST completed");
            return Next.Continue;
        }

        var folders = await _gateway.Queries.ListFoldersAsync(AccountId, ct);
        var subscribed = (await _gateway.Store.ListSubscriptionsAsync(AccountId, ct)).ToHashSet(StringComparer.Ordinal);
        // Special-use folders count as subscribed: clients that only show subscribed folders must see them.
        foreach (var folder in folders.Where(f => f.Role != FolderRole.None))
            subscribed.Add(ImapName(folder));
        var existing = folders.ToDictionary(ImapName, StringComparer.Ordinal);

        // Every existing name, plus parents that only exist as hierarchy ("a" for "a/b").
        var names = new SortedSet<string>(existing.Keys, StringComparer.Ordinal);
        foreach (var name in existing.Keys.Concat(lsub || selectSubscribed ? subscribed : []).ToList())
        {
            for (var cut = name.LastIndexOf(ImapMailboxNames.Delimiter); cut > 0; cut = name.LastIndexOf(ImapMailboxNames.Delimiter, cut - 1))
                names.Add(name[..cut]);
        }
        if (lsub || selectSubscribed)
            names.UnionWith(subscribed);

        // The LIST-EXTENDED selection criteria (RFC 5258 §3, RFC 6154 §5.1) a name meets.
        bool Selected(string name) =>
            (!(lsub || selectSubscribed) || subscribed.Contains(name))
            && (!selectSpecialUse || (existing.TryGetValue(name, out var f) && f.Role != FolderRole.None));
        var matchers = patterns.Select(p => PatternToRegex(reference + p)).ToList();
        foreach (var name in names)
        {
            if (!matchers.Any(m => m.IsMatch(name)))
                continue;
            var exists = existing.TryGetValue(name, out var folder);
            var isSubscribed = subscribed.Contains(name);
            // RFC 5258 §3 RECURSIVEMATCH: a name with a descendant that meets the criteria is listed
            // too, and says so with CHILDINFO, so a client can show the way down to it.
            var childInfo = recursiveMatch && names.Any(n => n.StartsWith(name + ImapMailboxNames.Delimiter, StringComparison.Ordinal) && Selected(n));
            if (!Selected(name) && !childInfo)
                continue;
            var hasChildren = names.Any(n => n.StartsWith(name + ImapMailboxNames.Delimiter, StringComparison.Ordinal) && (existing.ContainsKey(n) || !lsub));
            var attributes = new List<string>();
            if (!exists)
                attributes.Add(lsub ? "\\Noselect" : (isSubscribed && !hasChildren ? "\\NonExistent" : "\\Noselect"));
            if (!lsub)
                attributes.Add(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
            if (!lsub && returnSubscribed && isSubscribed)
                attributes.Add("\\Subscribed");
            if (returnSpecialUse && folder is not null && SpecialUse(folder.Role) is { } use)
                attributes.Add(use);
            _out.Raw(lsub ? "* LSUB (" : "* LIST (").Raw(string.Join(' ', attributes)).Raw(") \"/\" ");
            WriteMailboxName(name);
            if (childInfo)
                _out.Raw(selectSubscribed && selectSpecialUse ? " (\"CHILDINFO\" (\"SUBSCRIBED\" \"SPECIAL-USE\"))" : selectSubscribed ? " (\"CHILDINFO\" (\"SUBSCRIBED\"))" : " (\"CHILDINFO\" (\"SPECIAL-USE\"))");
            _out.Line();
            if (statusItems is not null && folder is not null)
                await WriteStatusAsync(name, folder, statusItems, ct);
        }
        Tagged(tag, "OK", lsub ? "LSUB completed" : "LIST completed");
        return Next.Continue;
    }

    /// <summary>RFC 6154 §2 attributes of the special-use roles.</summary>
    private static string? SpecialUse(FolderRole role) => role switch
    {
        FolderRole.Sent => "\\Sent",
        FolderRole.Drafts => "\\Drafts",
        FolderRole.Trash => "\\Trash",
        FolderRole.Junk => "\\Junk",
        FolderRole.Archive => "\\Archive",
        _ => null,
    };

    /// <summary>RFC 9051 §6.3.9: "*" matches anything, "%" anything but the hierarchy delimiter; INBOX is case-insensitive.</summary>
    private static Regex PatternToRegex(string pattern)
    {
        if (pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase))
            pattern = string.Concat("INBOX", pattern.AsSpan(5));
        var regex = new StringBuilder("^");
        foreach (var c in pattern)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '%' => "[^/]*",
                _ => Regex.Escape(c.ToString()),
            });
        }
        regex.Append('$');
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }

    private static string[] ReadStatusItems(ImapReader reader)
    {
        var items = new List<string>();
        reader.Expect((byte)'(');
        do
        {
            var item = reader.ReadKeyword();
            if (item is not ("MESSAGES" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "RECENT" or "SIZE" or "HIGHESTMODSEQ" or "DELETED" or "APPENDLIMIT"))
                throw new ImapParseException("Unknown STATUS item " + item);
            items.Add(item);
        }
        while (reader.TryConsume((byte)' '));
        reader.Expect((byte)')');
        return [.. items];
    }

    /// <summary>RFC 9051 §6.3.11 STATUS (DELETED included), with RFC 8438 SIZE and RFC 7889 APPENDLIMIT.</summary>
    private async Task<Next> StatusAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        reader.ExpectSpace();
        var items = ReadStatusItems(reader);
        reader.ExpectEnd();
        var folder = await FindFolderAsync(name, ct);
        if (folder is null)
        {
            Tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
            return Next.Continue;
        }
        await WriteStatusAsync(name, folder, items, ct);
        Tagged(tag, "OK", "STATUS completed");
        return Next.Continue;
    }

    /// <summary>
    /// One STATUS response. Every item but DELETED (RFC 9051 §6.3.11) comes from the folder row;
    /// RECENT is always 0, as no message is \Recent here.
    /// </summary>
    private async Task WriteStatusAsync(string name, FolderInfo folder, string[] items, CancellationToken ct)
    {
        var deleted = items.Contains("DELETED") ? await _gateway.Store.CountDeletedAsync(AccountId, folder.Id, ct) : 0;
        _out.Raw("* STATUS ");
        WriteMailboxName(name);
        _out.Raw(" (");
        for (var i = 0; i < items.Length; i++)
        {
            if (i > 0)
                _out.Raw(" ");
            _out.Raw(items[i]).Raw(" ").Number(items[i] switch
            {
                "MESSAGES" => folder.Total,
                "UIDNEXT" => folder.UidNext,
                "UIDVALIDITY" => folder.UidValidity,
                "UNSEEN" => folder.Unread,
                "SIZE" => folder.SizeBytes,
                "HIGHESTMODSEQ" => HighestModSeqOf(folder),
                "DELETED" => deleted,
                // RFC 7889 §4: the limit of this mailbox, the same for all of them here.
                "APPENDLIMIT" => Options.AppendLimit,
                _ => 0,
            });
        }
        _out.Raw(")\r\n");
    }

    /// <summary>
    /// RFC 9051 §6.3.4 CREATE, with RFC 6154 §3 CREATE-SPECIAL-USE: "(USE (\Archive))" gives the new
    /// folder that role. A trailing delimiter is dropped (it only declares the intent to hold children).
    /// </summary>
    private async Task<Next> CreateAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        var uses = reader.TryConsume((byte)' ') ? ReadCreateParameters(reader) : [];
        reader.ExpectEnd();
        if (name == "INBOX" || await FindFolderAsync(name, ct) is not null)
        {
            Tagged(tag, "NO", "[ALREADYEXISTS] Mailbox already exists");
            return Next.Continue;
        }
        // RFC 6154 §3: a use that cannot be given means no mailbox at all, and NO [USEATTR]. A folder
        // here has at most one role, and only the roles the store knows (\All and \Flagged would be
        // virtual mailboxes, which this server does not have).
        var role = FolderRole.None;
        if (uses.Count > 1)
        {
            Tagged(tag, "NO", "[USEATTR] A mailbox can have only one special use here");
            return Next.Continue;
        }
        if (uses.Count == 1)
        {
            role = RoleOfSpecialUse(uses[0]);
            if (role == FolderRole.None)
            {
                Tagged(tag, "NO", "[USEATTR] " + uses[0] + " is not supported");
                return Next.Continue;
            }
        }
        if (!await CreateSuperiorsAsync(name, ct))
        {
            Tagged(tag, "NO", "[CANNOT] Invalid mailbox name");
            return Next.Continue;
        }
        var result = await Mailbox.CreateFolderAsync(name, role);
        if (result.Status == FolderStatus.RoleTaken)
        {
            Tagged(tag, "NO", "[USEATTR] Another mailbox already has the special use " + uses[0]);
            return Next.Continue;
        }
        return FolderOutcome(tag, result.Status, "CREATE");
    }

    /// <summary>
    /// RFC 9051 §6.3.4: CREATE a/b/c also creates a and a/b when they do not exist, so that every
    /// level can be selected. False when a level cannot be created (an invalid name).
    /// </summary>
    private async Task<bool> CreateSuperiorsAsync(string name, CancellationToken ct)
    {
        if (name.StartsWith(ImapMailboxNames.Delimiter) || name.Contains("//", StringComparison.Ordinal))
            return true; // Invalid as a whole: the create itself is refused, and nothing is made on the way.
        var existing = (await _gateway.Queries.ListFoldersAsync(AccountId, ct)).Select(ImapName).ToHashSet(StringComparer.Ordinal);
        for (var cut = name.IndexOf(ImapMailboxNames.Delimiter, StringComparison.Ordinal); cut > 0; cut = name.IndexOf(ImapMailboxNames.Delimiter, cut + 1))
        {
            var superior = name[..cut];
            if (existing.Contains(superior) || ImapMailboxNames.IsInbox(superior))
                continue;
            var result = await Mailbox.CreateFolderAsync(superior, FolderRole.None);
            if (result.Status is not (FolderStatus.Ok or FolderStatus.NameTaken))
                return false;
        }
        return true;
    }

    /// <summary>
    /// RFC 4466 §2.2 create-params: "(" create-param *(SP create-param) ")"; the one parameter known is
    /// RFC 6154 §6 USE, a list of use attributes. Returns the attributes asked for.
    /// </summary>
    private static List<string> ReadCreateParameters(ImapReader reader)
    {
        var uses = new List<string>();
        reader.Expect((byte)'(');
        do
        {
            if (reader.ReadKeyword() != "USE")
                throw new ImapParseException("Unknown CREATE parameter");
            reader.ExpectSpace();
            reader.Expect((byte)'(');
            for (var inList = 0; !reader.TryConsume((byte)')'); inList++)
            {
                if (inList > 0)
                    reader.ExpectSpace();
                var use = reader.ReadFlag();
                if (!use.StartsWith('\\') || use == "\\*")
                    throw new ImapParseException("A special use is a \\ attribute");
                if (uses.Count >= 10)
                    throw new ImapParseException("Too many special uses");
                uses.Add(use);
            }
        }
        while (reader.TryConsume((byte)' '));
        reader.Expect((byte)')');
        return [.. uses.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The role behind an RFC 6154 §2 use attribute (case-insensitive, as all IMAP atoms); None when there is none.</summary>
    private static FolderRole RoleOfSpecialUse(string use) => use.ToUpperInvariant() switch
    {
        "\\SENT" => FolderRole.Sent,
        "\\DRAFTS" => FolderRole.Drafts,
        "\\TRASH" => FolderRole.Trash,
        "\\JUNK" => FolderRole.Junk,
        "\\ARCHIVE" => FolderRole.Archive,
        _ => FolderRole.None,
    };

    /// <summary>RFC 9051 §6.3.5 DELETE: special-use folders and INBOX stay.</summary>
    private async Task<Next> DeleteAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        reader.ExpectEnd();
        var folder = await FindFolderAsync(name, ct);
        if (folder is null)
        {
            Tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
            return Next.Continue;
        }
        if (_selected?.FolderId == folder.Id)
        {
            _selected = null;
            _state = SessionState.Authenticated;
        }
        var result = await Mailbox.DeleteFolderAsync(folder.Id);
        return FolderOutcome(tag, result.Status, "DELETE");
    }

    /// <summary>RFC 9051 §6.3.6 RENAME, children included; renaming INBOX is refused.</summary>
    private async Task<Next> RenameAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var from = ReadMailboxName(reader);
        reader.ExpectSpace();
        var to = ReadMailboxName(reader);
        reader.ExpectEnd();
        var folders = await _gateway.Queries.ListFoldersAsync(AccountId, ct);
        var folder = folders.FirstOrDefault(f => ImapName(f) == from);
        if (folder is null)
        {
            Tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
            return Next.Continue;
        }
        if (to == "INBOX" || folders.Any(f => ImapName(f) == to))
        {
            Tagged(tag, "NO", "[ALREADYEXISTS] Target mailbox exists");
            return Next.Continue;
        }
        var result = await Mailbox.RenameFolderAsync(folder.Id, to);
        if (result.Status == FolderStatus.Ok)
        {
            var prefix = from + ImapMailboxNames.Delimiter;
            foreach (var child in folders.Where(f => f.Name.StartsWith(prefix, StringComparison.Ordinal)))
                await Mailbox.RenameFolderAsync(child.Id, to + child.Name[from.Length..]);
            await _gateway.Store.RenameSubscriptionsAsync(AccountId, from, to, ct);
            if (_selected?.FolderId == folder.Id)
                _selected.Name = to;
        }
        return FolderOutcome(tag, result.Status, "RENAME");
    }

    private Next FolderOutcome(string tag, FolderStatus status, string command)
    {
        switch (status)
        {
            case FolderStatus.Ok:
                Tagged(tag, "OK", command + " completed");
                break;
            case FolderStatus.NotFound:
                Tagged(tag, "NO", "[NONEXISTENT] No such mailbox");
                break;
            case FolderStatus.NameTaken:
                Tagged(tag, "NO", "[ALREADYEXISTS] Mailbox already exists");
                break;
            case FolderStatus.Protected:
                Tagged(tag, "NO", "[CANNOT] Special-use mailboxes cannot be deleted or renamed");
                break;
            default:
                Tagged(tag, "NO", "[CANNOT] Invalid mailbox name");
                break;
        }
        return Next.Continue;
    }

    /// <summary>RFC 9051 §6.3.7/§6.3.8: a subscription is a name; it may name nothing.</summary>
    private async Task<Next> SubscribeAsync(string tag, ImapReader reader, bool subscribe, CancellationToken ct)
    {
        reader.ExpectSpace();
        var name = ReadMailboxName(reader);
        reader.ExpectEnd();
        await _gateway.Store.SetSubscribedAsync(AccountId, name, subscribe, ct);
        Tagged(tag, "OK", subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
        return Next.Continue;
    }
}
