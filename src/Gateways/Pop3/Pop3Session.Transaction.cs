using System.Globalization;

namespace RestMail.Gateways.Pop3;

/// <summary>The TRANSACTION state's commands (RFC 1939 §5 and §7).</summary>
public sealed partial class Pop3Session
{
    private Pop3Maildrop Maildrop => _maildrop ?? throw new InvalidOperationException("No maildrop is open.");

    /// <summary>RFC 1939 §5 STAT: "+OK nn mm", messages and octets not marked as deleted.</summary>
    private Next Stat(string argument)
    {
        if (argument.Length > 0)
            return Error(Pop3Replies.SyntaxError);
        ReplyLine(Invariant($"+OK {Maildrop.Count} {Maildrop.Size}"));
        return Next.Continue;
    }

    /// <summary>RFC 1939 §5 LIST [msg]: the scan listing of one message or of all that are not deleted.</summary>
    private Next List(string argument)
    {
        if (argument.Length == 0)
        {
            ReplyLine(Invariant($"+OK {Maildrop.Count} messages ({Maildrop.Size} octets)"));
            foreach (var (number, message) in Maildrop.Present())
                ReplyLine(Invariant($"{number} {message.Size}"));
            Reply(Pop3Replies.EndOfList);
            return Next.Continue;
        }
        if (!TryFind(argument, out var found, out var refusal))
            return refusal;
        ReplyLine(Invariant($"+OK {found.Number} {found.Message.Size}"));
        return Next.Continue;
    }

    /// <summary>RFC 1939 §7 UIDL [msg]: the unique-id listing (see <see cref="Pop3Maildrop.UniqueId"/>).</summary>
    private Next UniqueIdList(string argument)
    {
        if (argument.Length == 0)
        {
            Reply(Pop3Replies.UniqueIdListFollows);
            foreach (var (number, message) in Maildrop.Present())
                ReplyLine(Invariant($"{number} {Maildrop.UniqueId(message)}"));
            Reply(Pop3Replies.EndOfList);
            return Next.Continue;
        }
        if (!TryFind(argument, out var found, out var refusal))
            return refusal;
        ReplyLine(Invariant($"+OK {found.Number} {Maildrop.UniqueId(found.Message)}"));
        return Next.Continue;
    }

    /// <summary>RFC 1939 §5 RETR msg: the whole message, byte-stuffed.</summary>
    private async Task<Next> RetrieveAsync(string argument, CancellationToken ct)
    {
        if (!TryFind(argument, out var found, out var refusal))
            return refusal;
        var raw = await ReadRawAsync(found.Message, ct);
        if (raw is null)
            return Next.Continue;
        ReplyLine(Invariant($"+OK {found.Message.Size} octets"));
        Pop3MessageWriter.WriteMessage(_writer, raw);
        _gateway.Metrics.Retrieved(raw.Length);
        await FlushIfLargeAsync(ct);
        return Next.Continue;
    }

    /// <summary>RFC 1939 §7 TOP msg n: the header and the first n lines of the body.</summary>
    private async Task<Next> TopAsync(string argument, CancellationToken ct)
    {
        var parts = argument.Split(' ');
        if (parts.Length != 2 || !TryParseNumber(parts[1], out var lines))
            return Error(Pop3Replies.SyntaxError);
        if (!TryFind(parts[0], out var found, out var refusal))
            return refusal;
        var raw = await ReadRawAsync(found.Message, ct);
        if (raw is null)
            return Next.Continue;
        Reply(Pop3Replies.TopFollows);
        Pop3MessageWriter.WriteTop(_writer, raw, lines);
        await FlushIfLargeAsync(ct);
        return Next.Continue;
    }

    /// <summary>RFC 1939 §5 DELE msg: marks the message; only QUIT removes it.</summary>
    private Next Delete(string argument)
    {
        if (!TryFind(argument, out var found, out var refusal))
            return refusal;
        Maildrop.MarkDeleted(found.Number);
        ReplyLine(Invariant($"+OK Message {found.Number} deleted"));
        return Next.Continue;
    }

    /// <summary>RFC 1939 §5 RSET: unmarks every message marked as deleted.</summary>
    private Next Reset(string argument)
    {
        if (argument.Length > 0)
            return Error(Pop3Replies.SyntaxError);
        Maildrop.Reset();
        ReplyLine(Invariant($"+OK Maildrop has {Maildrop.Count} messages ({Maildrop.Size} octets)"));
        return Next.Continue;
    }

    private Next Noop(string argument)
    {
        if (argument.Length > 0)
            return Error(Pop3Replies.SyntaxError);
        Reply(Pop3Replies.Ok);
        return Next.Continue;
    }

    /// <summary>The stored bytes, or null after answering -ERR (gone, or the store failed).</summary>
    private async Task<byte[]?> ReadRawAsync(MaildropMessage message, CancellationToken ct)
    {
        byte[]? raw;
        try
        {
            raw = await _gateway.Queries.GetRawAsync(_account!.Id, message.Id, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Pop3StorageFailed(_gateway.Logger, e, _remote);
            Reply(Pop3Replies.TemporaryFailure);
            return null;
        }
        if (raw is null)
            Reply(Pop3Replies.MessageGone);
        return raw;
    }

    /// <summary>
    /// Resolves a message-number argument. RFC 1939 §5: a number that is not in the maildrop, or
    /// refers to a message marked as deleted, gets -ERR; a non-number is a syntax error.
    /// </summary>
    private bool TryFind(string argument, out (int Number, MaildropMessage Message) found, out Next refusal)
    {
        found = default;
        refusal = Next.Continue;
        if (!TryParseNumber(argument, out var number))
        {
            refusal = Error(Pop3Replies.SyntaxError);
            return false;
        }
        switch (Maildrop.Find(number, out var message))
        {
            case MessageLookup.Found:
                found = (number, message);
                return true;
            case MessageLookup.Deleted:
                Reply(Pop3Replies.MessageDeleted);
                return false;
            default:
                Reply(Pop3Replies.NoSuchMessage);
                return false;
        }
    }

    /// <summary>A non-negative decimal number of at most nine digits (no sign, no spaces).</summary>
    private static bool TryParseNumber(string text, out int number)
    {
        number = 0;
        if (text.Length is 0 or > 9)
            return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
                return false;
            number = (number * 10) + (c - '0');
        }
        return true;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
