using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using RestMail.Grains.Delivery;
using RestMail.Storage.Messages;

namespace RestMail.Gateways.Smtp;

public sealed partial class SmtpSession
{
    private long _chunkRemaining;
    private bool _chunkLast;
    private SmtpReply? _chunkError;

    /// <summary>RFC 5321 §4.1.1.4 DATA.</summary>
    private Next Data(string argument)
    {
        if (_helo is null)
            return Error(SmtpReplies.HelloFirst);
        if (argument.Length > 0)
            return Error(SmtpReplies.NoArgumentsAllowed);
        if (_transaction is null)
            return Error(SmtpReplies.MailFirst);
        if (_transaction.Chunking)
            return Error(SmtpReplies.DataAfterBdat);
        if (_transaction.Recipients.Count == 0)
            return Error(SmtpReplies.NoRecipients);
        BeginMessage(_transaction);
        _data.Start(_transaction.Message!, Options.MaxMessageSize);
        _mode = Mode.Data;
        Reply(SmtpReplies.StartData);
        return Next.Continue;
    }

    /// <summary>RFC 3030 §2: BDAT &lt;size&gt; [LAST]; the chunk's octets follow the command line.</summary>
    private Next Bdat(string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || (parts.Length == 2 && !string.Equals(parts[1], "LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // Without a size the chunk cannot be skipped: the connection cannot be resynchronised.
            Reply(SmtpReplies.SyntaxErrorInParameters);
            Reply(Greetings.TooManyErrors);
            return Next.Close;
        }
        _chunkRemaining = size;
        _chunkLast = parts.Length == 2;
        _chunkError = null;
        _mode = Mode.Chunk;
        if (_helo is null)
            _chunkError = SmtpReplies.HelloFirst;
        else if (_transaction is null)
            _chunkError = SmtpReplies.BdatWithoutTransaction;
        else if (_transaction.Recipients.Count == 0)
            _chunkError = SmtpReplies.NoRecipients;
        else if (!_transaction.Chunking)
        {
            _transaction.Chunking = true;
            BeginMessage(_transaction);
        }
        return Next.Continue;
    }

    /// <summary>Takes the current chunk's octets from the buffer; true once all have arrived.</summary>
    private bool ConsumeChunk(ref ReadOnlySequence<byte> buffer)
    {
        var take = Math.Min(_chunkRemaining, buffer.Length);
        if (_chunkError is null && _transaction?.Message is { } message)
        {
            var room = Math.Max(0, Options.MaxMessageSize - _transaction.ChunkedSize);
            foreach (var segment in buffer.Slice(0, Math.Min(take, room)))
                message.Write(segment.Span);
            _transaction.ChunkedSize += take;
        }
        buffer = buffer.Slice(take);
        _chunkRemaining -= take;
        return _chunkRemaining == 0;
    }

    private async Task<Next> FinishChunkAsync(CancellationToken ct)
    {
        if (_chunkError is not null)
            return Error(_chunkError);
        var transaction = _transaction!;
        if (transaction.ChunkedSize > Options.MaxMessageSize)
        {
            // RFC 3030 §2: the transaction is aborted; the rest of the chunks get 503.
            ResetTransaction();
            Reply(SmtpReplies.MessageTooBig);
            return Next.Continue;
        }
        if (!_chunkLast)
        {
            Reply(new SmtpReply(SmtpReplyCode.Ok, "2.0.0", $"{transaction.ChunkedSize} octets received"));
            return Next.Continue;
        }
        await CompleteMessageAsync(transaction, ct);
        return Next.Continue;
    }

    private async Task FinishDataAsync(CancellationToken ct)
    {
        var transaction = _transaction!;
        if (_data.TooBig)
        {
            // RFC 1870 §6.2: nothing is stored.
            ResetTransaction();
            _gateway.Metrics.MessageRefused(SmtpReplies.MessageTooBig.Code);
            Reply(SmtpReplies.MessageTooBig);
            return;
        }
        if (_data.SawBareLineEnding)
        {
            // Refused rather than repaired: a bare LF or CR is how SMTP smuggling hides a second message.
            ResetTransaction();
            _gateway.Metrics.MessageRefused(SmtpReplies.BareLineFeed.Code);
            Reply(SmtpReplies.BareLineFeed);
            return;
        }
        await CompleteMessageAsync(transaction, ct);
    }

    /// <summary>
    /// Stores the message and hands it to the acceptance path; 250 only once it answered, that is
    /// once every local copy is committed and every remote recipient durably queued.
    /// </summary>
    private async Task CompleteMessageAsync(SmtpTransaction transaction, CancellationToken ct)
    {
        ResetTransaction();
        var queueId = transaction.QueueId;
        AcceptResult result;
        try
        {
            // The fields the server adds go in before the blobs are written: content is stored once,
            // byte-exact, so the checks cannot run later in the acceptance path.
            var content = await _gateway.Blobs.PrepareAsync(await WithServerFieldsAsync(transaction, ct), ct);
            result = await _gateway.Grains.GetGrain<IDeliveryGrain>(0).AcceptAsync(new InboundMessage
            {
                MailFrom = transaction.MailFrom,
                Recipients = [.. transaction.Recipients],
                Content = content,
                Source = _account is null ? MessageSource.Smtp : MessageSource.Submission,
                SenderAccountId = _account?.Id,
                ClientAddress = _remote.ToString(),
                ClientHelo = _helo,
                Notifications = transaction.DeliveryNotifications,
                ResolvedRecipients = transaction.RecipientAccounts,
            });
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException or SocketException))
        {
            Log.SmtpAcceptFailed(_gateway.Logger, e, _remote);
            _gateway.Metrics.MessageRefused(SmtpReplies.LocalProcessingError.Code);
            Reply(SmtpReplies.LocalProcessingError);
            return;
        }
        var answer = Answer(result, queueId);
        if (answer.Code == SmtpReplyCode.Ok)
            _gateway.Metrics.MessageAccepted(transaction.Message!.WrittenCount);
        else
            _gateway.Metrics.MessageRefused(answer.Code);
        Reply(answer);
    }

    /// <summary>
    /// The message with an Authentication-Results field (RFC 8601) above the Received header. Mail from
    /// the MX port gets SPF, DKIM and DMARC (the body is needed for DKIM, hence after DATA/BDAT);
    /// authenticated submission only records who authenticated, and gets a Date and a Message-ID
    /// below the Received header when the client sent none (<see cref="SubmissionFields"/>). The
    /// checks never refuse mail: DNS trouble and the time limit become temperror, and DMARC policies
    /// are not enforced (yet).
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> WithServerFieldsAsync(SmtpTransaction transaction, CancellationToken ct)
    {
        var message = transaction.Message!.WrittenMemory;
        string field;
        var completion = "";
        if (_account is { } account)
        {
            field = _gateway.MailAuth.SubmissionField(account.Address);
            (completion, _) = SubmissionFields.Missing(message.Span[transaction.ContentStart..], Greetings.Hostname, _gateway.Time.GetUtcNow());
        }
        else
        {
            var spf = transaction.Spf ?? _gateway.MailAuth.StartSpf(_remote, _helo!, transaction.MailFrom, ct);
            var report = await _gateway.MailAuth.CheckAsync(spf, message, ct);
            Log.SmtpMessageAuthenticated(_gateway.Logger, transaction.QueueId, _remote, report.Spf.Result.ToString(),
                report.Dkim.Count == 0 ? "None" : string.Join(',', report.Dkim.Select(d => d.Result)), report.Dmarc.Result.ToString());
            field = _gateway.MailAuth.InboundField(report);
        }
        var fieldBytes = Encoding.UTF8.GetBytes(field);
        var completionBytes = Encoding.ASCII.GetBytes(completion);
        var combined = new byte[fieldBytes.Length + message.Length + completionBytes.Length];
        // Authentication-Results, Received, the completed fields, then the client's content.
        fieldBytes.CopyTo(combined, 0);
        message[..transaction.ContentStart].CopyTo(combined.AsMemory(fieldBytes.Length));
        completionBytes.CopyTo(combined, fieldBytes.Length + transaction.ContentStart);
        message[transaction.ContentStart..].CopyTo(combined.AsMemory(fieldBytes.Length + transaction.ContentStart + completionBytes.Length));
        return combined;
    }

    /// <summary>
    /// One reply for the whole message (RFC 5321 §4.2.5). Recipients were checked at RCPT; if any of
    /// them now fails temporarily the client is asked to retry (a duplicate for the others beats a loss).
    /// </summary>
    private SmtpReply Answer(AcceptResult result, string queueId)
    {
        var accepted = result.Recipients.Count(r => r.Status is RecipientStatus.Delivered or RecipientStatus.Queued);
        var transient = result.Recipients.Where(r => r.Status is RecipientStatus.TemporaryFailure or RecipientStatus.OverQuota).ToList();
        if (transient.Count > 0)
            return transient.All(r => r.Status == RecipientStatus.OverQuota) && accepted == 0 ? SmtpReplies.OverQuota : SmtpReplies.LocalProcessingError;
        if (accepted == 0)
            return result.Recipients.All(r => r.Status == RecipientStatus.UnknownRecipient) ? SmtpReplies.UnknownUser : SmtpReplies.TransactionRejected;
        foreach (var failed in result.Recipients.Where(r => r.Status is not (RecipientStatus.Delivered or RecipientStatus.Queued)))
            Log.SmtpRecipientFailedAfterData(_gateway.Logger, queueId, failed.Address, failed.Status.ToString());
        Log.SmtpMessageAccepted(_gateway.Logger, queueId, _remote, accepted);
        return new SmtpReply(SmtpReplyCode.Ok, "2.0.0", $"OK queued as {queueId}");
    }

    /// <summary>Starts the message buffer with the trace header (RFC 5321 §4.4).</summary>
    private void BeginMessage(SmtpTransaction transaction)
    {
        transaction.Message = new ArrayBufferWriter<byte>(16 * 1024);
        transaction.Message.Write(Encoding.UTF8.GetBytes(ReceivedHeader(transaction)));
        transaction.ContentStart = transaction.Message.WrittenCount;
    }

    private string ReceivedHeader(SmtpTransaction transaction)
    {
        // RFC 3848 / RFC 6531 §3.7.3 protocol names: ESMTP, ESMTPS (TLS), ESMTPSA (TLS + AUTH), UTF8 variants.
        var protocol = !_esmtp ? "SMTP"
            : (transaction.Utf8 ? "UTF8SMTP" : "ESMTP") + (_tls ? "S" : "") + (_account is not null ? "A" : "");
        var address = _remote.AddressFamily == AddressFamily.InterNetworkV6 ? $"IPv6:{_remote}" : _remote.ToString();
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"Received: from {Sanitize(_helo!)} ([{address}])\r\n");
        builder.Append(CultureInfo.InvariantCulture, $"\tby {Greetings.Hostname} with {protocol} id {transaction.QueueId}");
        if (transaction.Recipients.Count == 1)
            builder.Append(CultureInfo.InvariantCulture, $"\r\n\tfor <{transaction.Recipients[0]}>");
        builder.Append("; ").Append(SubmissionFields.Rfc5322Date(_gateway.Time.GetUtcNow())).Append("\r\n");
        return builder.ToString();
    }

    /// <summary>The client's HELO name as a header-safe token (it is the client's claim, shown as such).</summary>
    private static string Sanitize(string helo)
    {
        var builder = new StringBuilder(Math.Min(helo.Length, 255));
        foreach (var c in helo.AsSpan(0, Math.Min(helo.Length, 255)))
            builder.Append(c is > ' ' and < (char)127 and not '(' and not ')' and not '\\' and not ';' ? c : '?');
        return builder.ToString();
    }

    /// <summary>A short random id for the Received header and the 250 reply.</summary>
    internal static string NewQueueId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
}
