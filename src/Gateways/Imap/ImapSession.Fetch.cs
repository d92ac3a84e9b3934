using System.Globalization;
using System.Text;
using RestMail.Grains.Mailboxes;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>RFC 9051 §6.4.5 FETCH and §6.4.9 UID FETCH.</summary>
    private async Task<Next> FetchAsync(string tag, ImapReader reader, bool uid, CancellationToken ct)
    {
        reader.ExpectSpace();
        var set = reader.ReadSequenceSet();
        reader.ExpectSpace();
        var items = ReadFetchItems(reader);
        var (changedSince, reportVanished) = reader.TryConsume((byte)' ') ? ReadFetchModifiers(reader) : (null, false);
        reader.ExpectEnd();
        // RFC 7162 §3.2.6: VANISHED only with UID FETCH, CHANGEDSINCE and QRESYNC enabled.
        if (reportVanished && !(uid && _qresync && changedSince is not null))
            throw new ImapParseException("VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC");
        if (changedSince is not null || items.Any(i => i.Kind == ImapFetchKind.ModSeq))
            _condStore = true;
        // RFC 7162 §3.1.4: CHANGEDSINCE implies MODSEQ.
        if (changedSince is not null && !items.Any(i => i.Kind == ImapFetchKind.ModSeq))
            items.Add(new ImapFetchItem(ImapFetchKind.ModSeq));
        var selected = _selected!;
        // UID FETCH always reports the UID (RFC 9051 §6.4.9).
        if (uid && !items.Any(i => i.Kind == ImapFetchKind.Uid))
            items.Insert(0, new ImapFetchItem(ImapFetchKind.Uid));
        var sequences = selected.Resolve(set, uid);
        var byUid = (await _gateway.Store.GetMessagesAsync(AccountId, selected.FolderId, sequences.Select(selected.UidAt).ToList(), ct))
            .ToDictionary(m => m.Uid);
        if (changedSince is { } since)
        {
            sequences = [.. sequences.Where(s => byUid.TryGetValue(selected.UidAt(s), out var m) && m.ModSeq > since)];
            if (reportVanished)
            {
                var within = set.IsSavedResult ? new ImapSequenceSet([.. selected.SavedSearch.Select(u => (u, u))]) : set;
                WriteVanishedEarlier(await VanishedSinceAsync(selected, since, within, match: null, selected.LargestUid, ct));
            }
        }

        // RFC 9051 §6.4.5: fetching a body section without PEEK sets \Seen, and the new flags are reported.
        var setsSeen = !selected.ReadOnly && items.Any(i => i.Kind is ImapFetchKind.Section or ImapFetchKind.Binary && !i.Peek);
        var flagsChanged = new HashSet<long>();
        if (setsSeen)
        {
            var unseen = byUid.Values.Where(m => !m.Flags.HasFlag(MessageFlags.Seen)).Select(m => m.Id).ToList();
            if (unseen.Count > 0)
            {
                var result = await Mailbox.SetFlagsAsync(new FlagUpdate { MessageIds = unseen, Add = MessageFlags.Seen });
                foreach (var change in result.Changed)
                {
                    _ownModSeqs.Add(change.ModSeq);
                    flagsChanged.Add(change.Uid);
                    if (byUid.TryGetValue(change.Uid, out var message))
                        byUid[change.Uid] = message with { Flags = change.Flags, Keywords = change.Keywords, ModSeq = change.ModSeq };
                }
            }
        }

        var needsBody = items.Any(i => i.Kind is ImapFetchKind.Envelope or ImapFetchKind.BodyStructure or ImapFetchKind.Body or ImapFetchKind.Section or ImapFetchKind.Binary or ImapFetchKind.BinarySize);
        var vanished = false;
        var window = new List<(int Sequence, ImapMessage Message)>();
        var windowBytes = 0L;
        foreach (var sequence in sequences)
        {
            if (!byUid.TryGetValue(selected.UidAt(sequence), out var message))
            {
                // Expunged by another session; it cannot be reported during FETCH (RFC 9051 §7.5.1).
                vanished = true;
                continue;
            }
            window.Add((sequence, message));
            windowBytes += message.Size;
            if ((window.Count >= FetchWindow || (needsBody && windowBytes >= FetchWindowBytes)) && !await WriteWindowAsync())
                return await CannotDecodeAsync(tag, uid, ct);
        }
        if (window.Count > 0 && !await WriteWindowAsync())
            return await CannotDecodeAsync(tag, uid, ct);
        await ReportChangesAsync(expungeAllowed: uid, ct);
        Tagged(tag, "OK", vanished ? "[EXPUNGEISSUED] Some messages were expunged meanwhile" : "FETCH completed");
        return Next.Continue;

        // False when a message could not be decoded for BINARY (the FETCH then fails).
        async Task<bool> WriteWindowAsync()
        {
            if (await WriteFetchWindowAsync(window, items, needsBody, flagsChanged, ct) is not { } windowVanished)
                return false;
            vanished |= windowVanished;
            window.Clear();
            windowBytes = 0;
            return true;
        }
    }

    /// <summary>
    /// Messages answered together: their bodies come from one query and are parsed in parallel while
    /// the answers go out in order. One query per message, parsed one after the other, made a FETCH
    /// of ENVELOPE and BODYSTRUCTURE for 100 messages wait for 100 round trips.
    /// </summary>
    private const int FetchWindow = 32;

    /// <summary>At most this much raw mail read ahead for one session (one message larger than it is read alone).</summary>
    private const long FetchWindowBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Writes the FETCH responses of a window; true when a message had vanished meanwhile, null when
    /// a BINARY item asked for a part whose encoding is unknown (nothing of that message is written).
    /// </summary>
    private async Task<bool?> WriteFetchWindowAsync(List<(int Sequence, ImapMessage Message)> window, List<ImapFetchItem> items, bool needsBody,
        HashSet<long> flagsChanged, CancellationToken ct)
    {
        var parsed = new ImapParsedMessage?[window.Count];
        if (needsBody)
        {
            var raws = await _gateway.Queries.GetRawManyAsync(AccountId, [.. window.Select(w => w.Message.Id)], ct);
            await Parallel.ForAsync(0, window.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct },
                (i, _) =>
                {
                    if (raws.TryGetValue(window[i].Message.Id, out var raw))
                        parsed[i] = ImapParsedMessage.Parse(raw);
                    return ValueTask.CompletedTask;
                });
        }
        var vanished = false;
        for (var i = 0; i < window.Count; i++)
        {
            if (needsBody && parsed[i] is null)
            {
                vanished = true;
                continue;
            }
            // RFC 9051 §6.4.5 / RFC 3516 §4.3: BINARY of a part whose encoding is unknown fails the FETCH.
            if (needsBody && CannotDecode(parsed[i]!, items))
                return null;
            var (sequence, message) = window[i];
            WriteFetch(sequence, message, items, parsed[i], flagsChanged.Contains(message.Uid));
            if (_writer.UnflushedBytes > 64 * 1024)
                await FlushAsync(ct);
        }
        return vanished;
    }

    private async Task<Next> CannotDecodeAsync(string tag, bool uid, CancellationToken ct)
    {
        await ReportChangesAsync(expungeAllowed: uid, ct);
        Tagged(tag, "NO", "[UNKNOWN-CTE] Cannot decode the Content-Transfer-Encoding of a requested part");
        return Next.Continue;
    }

    private void WriteFetch(int sequence, ImapMessage message, List<ImapFetchItem> items, ImapParsedMessage? parsed, bool flagsChanged)
    {
        _out.Raw("* ").Number(sequence).Raw(" FETCH (");
        var first = true;
        void Separate()
        {
            if (!first)
                _out.Raw(" ");
            first = false;
        }
        foreach (var item in items)
        {
            Separate();
            switch (item.Kind)
            {
                case ImapFetchKind.Uid:
                    _out.Raw("UID ").Number(message.Uid);
                    break;
                case ImapFetchKind.Flags:
                    _out.Raw("FLAGS ");
                    WriteFlagList(message.Flags, message.Keywords);
                    break;
                case ImapFetchKind.InternalDate:
                    _out.Raw("INTERNALDATE \"").Raw(message.InternalDate.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture))
                        .Raw(message.InternalDate.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal)).Raw("\"");
                    break;
                case ImapFetchKind.Size:
                    _out.Raw("RFC822.SIZE ").Number(message.Size);
                    break;
                case ImapFetchKind.ModSeq:
                    _out.Raw("MODSEQ (").Number(message.ModSeq).Raw(")");
                    break;
                case ImapFetchKind.Envelope:
                    _out.Raw("ENVELOPE ");
                    ImapBodyStructure.WriteEnvelope(_out, parsed!.Message);
                    break;
                case ImapFetchKind.BodyStructure:
                    _out.Raw("BODYSTRUCTURE ");
                    ImapBodyStructure.WriteBody(_out, parsed!, extensible: true);
                    break;
                case ImapFetchKind.Body:
                    _out.Raw("BODY ");
                    ImapBodyStructure.WriteBody(_out, parsed!, extensible: false);
                    break;
                case ImapFetchKind.Section:
                    _out.Raw(item.Label).Raw(" ");
                    WriteSectionData(Partial(SectionBytes(parsed!, item), item), binary: false);
                    break;
                case ImapFetchKind.Binary:
                case ImapFetchKind.BinarySize:
                    var decoded = BinaryBytes(parsed!, item);
                    if (decoded is null)
                    {
                        // No such part (an unknown encoding was refused before the response began).
                        _out.Raw(item.Label).Raw(" NIL");
                    }
                    else if (item.Kind == ImapFetchKind.BinarySize)
                    {
                        _out.Raw(item.Label).Raw(" ").Number(decoded.Value.Length);
                    }
                    else
                    {
                        _out.Raw(item.Label).Raw(" ");
                        WriteSectionData(Partial(decoded, item), binary: true);
                    }
                    break;
            }
        }
        if (flagsChanged && !items.Any(i => i.Kind == ImapFetchKind.Flags))
        {
            Separate();
            _out.Raw("FLAGS ");
            WriteFlagList(message.Flags, message.Keywords);
            // RFC 7162 §3.1.4.1: flags the client did not ask for come with their MODSEQ once CONDSTORE is on.
            if (_condStore && !items.Any(i => i.Kind == ImapFetchKind.ModSeq))
                _out.Raw(" MODSEQ (").Number(message.ModSeq).Raw(")");
        }
        _out.Raw(")\r\n");
    }

    private void WriteSectionData(ReadOnlyMemory<byte>? data, bool binary)
    {
        if (data is not { } bytes)
        {
            _out.Raw("NIL");
            return;
        }
        // RFC 3516 §4.2: binary data with NUL goes as literal8.
        _out.Literal(bytes.Span, binary && bytes.Span.Contains((byte)0));
    }

    private static ReadOnlyMemory<byte>? Partial(ReadOnlyMemory<byte>? data, ImapFetchItem item)
    {
        if (data is not { } bytes || item.Origin is not { } origin)
            return data;
        if (origin >= bytes.Length)
            return ReadOnlyMemory<byte>.Empty;
        var count = Math.Min(item.Count ?? long.MaxValue, bytes.Length - origin);
        return bytes.Slice((int)origin, (int)count);
    }

    /// <summary>The octets of BODY[section] cut from the raw message (RFC 9051 §6.4.5).</summary>
    private static ReadOnlyMemory<byte>? SectionBytes(ImapParsedMessage parsed, ImapFetchItem item)
    {
        long headerStart, headersEnd, end;
        if (item.Path.Count == 0)
        {
            (headerStart, headersEnd, end) = (0, parsed.TopLevel.HeadersEnd, parsed.Raw.Length);
            if (item.Text.Length == 0)
                return parsed.Raw;
        }
        else
        {
            var part = parsed.FindPart(item.Path);
            if (part is null)
                return null;
            (headerStart, headersEnd, end) = parsed.RangeOf(part);
            if (item.Text == "MIME")
                return parsed.Slice(headerStart, headersEnd);
            if (item.Text.Length == 0)
                return parsed.Slice(headersEnd, end);
            // HEADER and TEXT of a part name the embedded message of a message/rfc822 part.
            if (part is not MimeKit.MessagePart { Message: { } embedded })
                return null;
            var message = parsed.RangeOf(embedded);
            (headerStart, headersEnd) = (headersEnd, message.HeadersEnd);
        }
        return item.Text switch
        {
            "TEXT" => parsed.Slice(headersEnd, end),
            "HEADER" => parsed.Slice(headerStart, headersEnd),
            "HEADER.FIELDS" => FilterHeader(parsed.Slice(headerStart, headersEnd), item.Fields, keep: true),
            "HEADER.FIELDS.NOT" => FilterHeader(parsed.Slice(headerStart, headersEnd), item.Fields, keep: false),
            _ => null,
        };
    }

    /// <summary>The header fields named (or all but those), each with its continuation lines, then the blank line.</summary>
    private static ReadOnlyMemory<byte> FilterHeader(ReadOnlyMemory<byte> header, IReadOnlyList<string> fields, bool keep)
    {
        var names = fields.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var output = new MemoryStream();
        var span = header.Span;
        var include = false;
        while (span.Length > 0)
        {
            var lf = span.IndexOf((byte)'\n');
            var line = lf < 0 ? span : span[..(lf + 1)];
            span = span[line.Length..];
            if (line.TrimEnd("\r\n"u8).Length == 0)
                break;
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? "" : Encoding.ASCII.GetString(line[..colon]).Trim();
                include = names.Contains(name) == keep;
            }
            if (include)
                output.Write(line);
        }
        output.Write("\r\n"u8);
        return output.ToArray();
    }

    /// <summary>Whether a BINARY item asks for a leaf part whose Content-Transfer-Encoding this server cannot undo.</summary>
    private static bool CannotDecode(ImapParsedMessage parsed, List<ImapFetchItem> items) =>
        items.Any(i => i.Kind is ImapFetchKind.Binary or ImapFetchKind.BinarySize && i.Path.Count > 0
            && parsed.FindPart(i.Path) is MimeKit.MimePart { Content: not null } part && ImapBodyStructure.HasUnknownEncoding(part));

    /// <summary>BINARY[part]: the decoded content (RFC 3516); an empty section is the whole message.</summary>
    private static ReadOnlyMemory<byte>? BinaryBytes(ImapParsedMessage parsed, ImapFetchItem item)
    {
        if (item.Path.Count == 0)
            return parsed.Raw;
        var part = parsed.FindPart(item.Path);
        if (part is null)
            return null;
        if (part is not MimeKit.MimePart)
            return parsed.Slice(parsed.RangeOf(part).HeadersEnd, parsed.RangeOf(part).End);
        return ImapBodyStructure.Decode(part);
    }

    /// <summary>RFC 7162 §3.1.4.1 / §3.2.6 fetch modifiers: "(" CHANGEDSINCE mod-sequence [SP VANISHED] ")".</summary>
    private static (long? ChangedSince, bool Vanished) ReadFetchModifiers(ImapReader reader)
    {
        long? changedSince = null;
        var vanished = false;
        reader.Expect((byte)'(');
        do
        {
            switch (reader.ReadKeyword())
            {
                case "CHANGEDSINCE":
                    reader.ExpectSpace();
                    changedSince = reader.ReadNumber(long.MaxValue);
                    break;
                case "VANISHED":
                    vanished = true;
                    break;
                case var other:
                    throw new ImapParseException("Unknown FETCH modifier " + other);
            }
        }
        while (reader.TryConsume((byte)' '));
        reader.Expect((byte)')');
        return (changedSince, vanished);
    }

    /// <summary>fetch-att list, a single attribute, or a macro (ALL, FAST, FULL).</summary>
    private static List<ImapFetchItem> ReadFetchItems(ImapReader reader)
    {
        var items = new List<ImapFetchItem>();
        if (reader.TryConsume((byte)'('))
        {
            do
            {
                items.Add(ReadFetchItem(reader));
                if (items.Count > 100)
                    throw new ImapParseException("Too many FETCH attributes");
            }
            while (reader.TryConsume((byte)' '));
            reader.Expect((byte)')');
            return items;
        }
        var macro = reader.Peek();
        if (macro is 'A' or 'a' or 'F' or 'f')
        {
            if (reader.TryConsumeWord("ALL"))
                return [new(ImapFetchKind.Flags), new(ImapFetchKind.InternalDate), new(ImapFetchKind.Size), new(ImapFetchKind.Envelope)];
            if (reader.TryConsumeWord("FAST"))
                return [new(ImapFetchKind.Flags), new(ImapFetchKind.InternalDate), new(ImapFetchKind.Size)];
            if (reader.TryConsumeWord("FULL"))
                return [new(ImapFetchKind.Flags), new(ImapFetchKind.InternalDate), new(ImapFetchKind.Size), new(ImapFetchKind.Envelope), new(ImapFetchKind.Body)];
        }
        items.Add(ReadFetchItem(reader));
        return items;
    }

    private static ImapFetchItem ReadFetchItem(ImapReader reader)
    {
        var name = reader.ReadFetchName();
        switch (name)
        {
            case "UID":
                return new(ImapFetchKind.Uid);
            case "FLAGS":
                return new(ImapFetchKind.Flags);
            case "INTERNALDATE":
                return new(ImapFetchKind.InternalDate);
            case "RFC822.SIZE":
                return new(ImapFetchKind.Size);
            case "ENVELOPE":
                return new(ImapFetchKind.Envelope);
            case "BODYSTRUCTURE":
                return new(ImapFetchKind.BodyStructure);
            case "MODSEQ":
                return new(ImapFetchKind.ModSeq);
            case "RFC822":
                return new(ImapFetchKind.Section) { Alias = "RFC822" };
            case "RFC822.HEADER":
                return new(ImapFetchKind.Section) { Text = "HEADER", Peek = true, Alias = "RFC822.HEADER" };
            case "RFC822.TEXT":
                return new(ImapFetchKind.Section) { Text = "TEXT", Alias = "RFC822.TEXT" };
            case "BODY" when reader.Peek() != '[':
                return new(ImapFetchKind.Body);
            case "BODY" or "BODY.PEEK":
                return ReadSection(reader, new ImapFetchItem(ImapFetchKind.Section) { Peek = name == "BODY.PEEK" });
            case "BINARY" or "BINARY.PEEK":
                return ReadSection(reader, new ImapFetchItem(ImapFetchKind.Binary) { Peek = name == "BINARY.PEEK" });
            case "BINARY.SIZE":
                return ReadSection(reader, new ImapFetchItem(ImapFetchKind.BinarySize) { Peek = true });
            default:
                throw new ImapParseException("Unknown FETCH attribute " + name);
        }
    }

    /// <summary>section = "[" [section-spec] "]" then an optional partial "&lt;" number "." nz-number "&gt;".</summary>
    private static ImapFetchItem ReadSection(ImapReader reader, ImapFetchItem item)
    {
        reader.Expect((byte)'[');
        var path = new List<int>();
        var text = "";
        var fields = new List<string>();
        if (!reader.TryConsume((byte)']'))
        {
            while (reader.Peek() is >= '0' and <= '9')
            {
                path.Add((int)reader.ReadNonZeroNumber(10_000));
                if (path.Count > 32)
                    throw new ImapParseException("Section path too deep");
                if (!reader.TryConsume((byte)'.'))
                    break;
            }
            if (reader.Peek() != ']')
            {
                if (item.Kind != ImapFetchKind.Section)
                    throw new ImapParseException("BINARY takes part numbers only");
                text = reader.ReadFetchName();
                if (text is not ("HEADER" or "HEADER.FIELDS" or "HEADER.FIELDS.NOT" or "TEXT" or "MIME") || (text == "MIME" && path.Count == 0))
                    throw new ImapParseException("Invalid section " + text);
                if (text.StartsWith("HEADER.FIELDS", StringComparison.Ordinal))
                {
                    reader.ExpectSpace();
                    reader.Expect((byte)'(');
                    do
                    {
                        fields.Add(reader.ReadAString().ToUpperInvariant());
                    }
                    while (reader.TryConsume((byte)' '));
                    reader.Expect((byte)')');
                }
            }
            reader.Expect((byte)']');
        }
        long? origin = null;
        long? count = null;
        if (reader.TryConsume((byte)'<'))
        {
            origin = reader.ReadNumber();
            if (reader.TryConsume((byte)'.'))
                count = reader.ReadNonZeroNumber();
            reader.Expect((byte)'>');
        }
        return item with { Path = path, Text = text, Fields = fields, Origin = origin, Count = count };
    }
}
