using RestMail.Grains.Delivery;
using RestMail.Grains.Domains;
using System.Globalization;
using RestMail.Storage.Accounts;

namespace RestMail.Gateways.Smtp;

public sealed partial class SmtpSession
{
    private SmtpTransaction? _transaction;

    private void ResetTransaction()
    {
        _transaction = null;
        _mode = Mode.Command;
    }

    /// <summary>RFC 5321 §4.1.1.2 MAIL FROM:&lt;reverse-path&gt; [SIZE= BODY= SMTPUTF8 RET= ENVID= AUTH=].</summary>
    private async Task<Next> MailAsync(string argument, CancellationToken ct)
    {
        if (_helo is null)
            return Error(SmtpReplies.HelloFirst);
        if (_transaction is not null)
            return Error(SmtpReplies.NestedMail);
        // RFC 6409 §4.3: submission requires authentication (and so TLS, see AUTH).
        if (RequiresAuthentication && _account is null)
            return Error(SmtpReplies.AuthRequired);
        if (!SmtpPath.TryParse(argument, "FROM:", out var path))
            return Error(SmtpReplies.SyntaxErrorInParameters);

        long size = 0;
        var utf8 = false;
        bool? returnFull = null;
        string? envelopeId = null;
        foreach (var (key, value) in path.Parameters)
        {
            switch (key)
            {
                case "SIZE" when _esmtp:
                    // RFC 1870 §6: a declared size over the limit is refused at MAIL.
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size))
                        return Error(SmtpReplies.BadParameterValue);
                    if (size > Options.MaxMessageSize)
                        return Error(SmtpReplies.MessageTooBig);
                    break;
                case "BODY" when _esmtp:
                    if (!string.Equals(value, "7BIT", StringComparison.OrdinalIgnoreCase) && !string.Equals(value, "8BITMIME", StringComparison.OrdinalIgnoreCase))
                        return Error(SmtpReplies.UnsupportedParameter);
                    break;
                case "SMTPUTF8" when _esmtp && value is null:
                    utf8 = true;
                    break;
                // RFC 3461 §4.3: RET=FULL or HDRS, what a failure report carries.
                case "RET" when _esmtp:
                    if (!string.Equals(value, "FULL", StringComparison.OrdinalIgnoreCase) && !string.Equals(value, "HDRS", StringComparison.OrdinalIgnoreCase))
                        return Error(SmtpReplies.BadParameterValue);
                    returnFull = string.Equals(value, "FULL", StringComparison.OrdinalIgnoreCase);
                    break;
                // RFC 3461 §4.4: ENVID=xtext, at most 100 characters, echoed in reports.
                case "ENVID" when _esmtp && !string.IsNullOrEmpty(value):
                    if (value.Length > 100 || XText.Decode(value) is not { } decodedId)
                        return Error(SmtpReplies.BadParameterValue);
                    envelopeId = decodedId;
                    break;
                // RFC 4954 §5: the AUTH= identity of a relayed message; accepted and not trusted.
                case "AUTH" when _esmtp && !string.IsNullOrEmpty(value):
                    break;
                default:
                    return Error(SmtpReplies.UnsupportedParameter);
            }
        }

        var sender = path.Address;
        if (sender.Length > 0 && !IsMailbox(sender))
            return Error(SmtpReplies.BadSenderSyntax);
        if (_account is not null)
        {
            // An authenticated user sends as their own address or one of its aliases.
            if (!MailAddresses.TryNormalizeAddress(sender, out var normalized, out _))
                return Error(SmtpReplies.SenderNotOwned);
            RecipientInfo owner;
            try
            {
                owner = await _gateway.Directory.FindRecipientAsync(normalized, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.SmtpLookupFailed(_gateway.Logger, e, _remote);
                Reply(SmtpReplies.LocalProcessingError);
                return Next.Continue;
            }
            if (owner.AccountId != _account.Id)
                return Error(SmtpReplies.SenderNotOwned);
            sender = normalized;
        }
        _transaction = new SmtpTransaction(sender, size, utf8) { ReturnFullMessage = returnFull == true, EnvelopeId = envelopeId };
        Reply(SmtpReplies.SenderOk);
        return Next.Continue;
    }

    /// <summary>RFC 5321 §4.1.1.3 RCPT TO:&lt;forward-path&gt; [NOTIFY= ORCPT=].</summary>
    private async Task<Next> RecipientAsync(string argument, CancellationToken ct)
    {
        if (_helo is null)
            return Error(SmtpReplies.HelloFirst);
        if (_transaction is null)
            return Error(SmtpReplies.MailFirst);
        if (!SmtpPath.TryParse(argument, "TO:", out var path))
            return Error(SmtpReplies.SyntaxErrorInParameters);
        NotifyOn? notify = null;
        string? originalRecipient = null;
        foreach (var (key, value) in path.Parameters)
        {
            switch (key)
            {
                // RFC 3461 §4.1: NEVER, or any of SUCCESS, FAILURE, DELAY.
                case "NOTIFY" when _esmtp:
                    if (ParseNotify(value) is not { } parsed)
                        return Error(SmtpReplies.BadParameterValue);
                    notify = parsed;
                    break;
                // RFC 3461 §4.2: ORCPT=addr-type;xtext.
                case "ORCPT" when _esmtp && value is not null && value.IndexOf(';', StringComparison.Ordinal) is > 0 and var semicolon:
                    if (XText.Decode(value[(semicolon + 1)..]) is not { Length: > 0 } decodedAddress)
                        return Error(SmtpReplies.BadParameterValue);
                    originalRecipient = string.Concat(value.AsSpan(0, semicolon), ";", decodedAddress);
                    break;
                default:
                    return Error(SmtpReplies.UnsupportedParameter);
            }
        }
        // RFC 5321 §4.5.3.1.8 and §4.5.3.1.10: 452 for recipients over the limit.
        if (_transaction.AcceptedRecipientCommands >= Options.MaxRecipients)
        {
            Reply(SmtpReplies.TooManyRecipients);
            return Next.Continue;
        }
        // RFC 5321 §4.1.1.3: "RCPT TO:<Postmaster>" without a domain MUST be accepted.
        var hostPostmaster = string.Equals(path.Address, "postmaster", StringComparison.OrdinalIgnoreCase);
        var address = "";
        if (!hostPostmaster && !MailAddresses.TryNormalizeAddress(path.Address, out address, out _))
            return Error(SmtpReplies.BadRecipientSyntax);

        RecipientInfo recipient;
        try
        {
            recipient = hostPostmaster
                ? await _gateway.Directory.FindHostPostmasterAsync(Greetings.Hostname, ct)
                : await _gateway.Directory.FindRecipientAsync(address, ct);
            address = recipient.Address;
            if (recipient.LocalDomain && recipient.AccountId is null && !hostPostmaster)
            {
                // The domain's catch-all address takes mail for unknown local parts (the acceptance
                // path files it there the same way).
                var settings = await _gateway.Grains.GetGrain<IDomainGrain>(address[(address.LastIndexOf('@') + 1)..]).GetSettingsAsync();
                if (settings.CatchAllAddress is { } catchAll)
                    recipient = (await _gateway.Directory.FindRecipientAsync(catchAll, ct)) with { Address = address, LocalDomain = true };
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.SmtpLookupFailed(_gateway.Logger, e, _remote);
            Reply(SmtpReplies.LocalProcessingError);
            return Next.Continue;
        }

        if (!recipient.LocalDomain)
        {
            // No open relay: only authenticated users may send to other domains.
            if (_account is null)
                return Error(SmtpReplies.RelayDenied);
        }
        else if (recipient.AccountId is null)
        {
            return Error(SmtpReplies.UnknownUser);
        }
        else if (!recipient.Fits(Math.Max(_transaction.DeclaredSize, 1)))
        {
            Reply(SmtpReplies.OverQuota);
            return Next.Continue;
        }
        if (!_transaction.Recipients.Contains(address, StringComparer.Ordinal))
            _transaction.Recipients.Add(address);
        if (recipient.AccountId is { } accountId)
            _transaction.RecipientAccounts[address] = accountId;
        // Only once a recipient is accepted, so that a client cannot make us look up DNS for nothing.
        if (_account is null)
            _transaction.Spf ??= _gateway.MailAuth.StartSpf(_remote, _helo, _transaction.MailFrom, ct);
        if (notify is not null || originalRecipient is not null)
            _transaction.Notifications[address] = new RecipientNotifications { Notify = notify, OriginalRecipient = originalRecipient };
        _transaction.AcceptedRecipientCommands++;
        Reply(SmtpReplies.RecipientOk);
        return Next.Continue;
    }

    /// <summary>NEVER alone, or a list of SUCCESS, FAILURE and DELAY; null when malformed.</summary>
    private static NotifyOn? ParseNotify(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        var parts = value.Split(',');
        if (parts.Length == 1 && string.Equals(parts[0], "NEVER", StringComparison.OrdinalIgnoreCase))
            return NotifyOn.None;
        var notify = NotifyOn.None;
        foreach (var part in parts)
        {
            var keyword = part.ToUpperInvariant() switch
            {
                "SUCCESS" => NotifyOn.Success,
                "FAILURE" => NotifyOn.Failure,
                "DELAY" => NotifyOn.Delay,
                _ => (NotifyOn?)null,
            };
            if (keyword is null)
                return null;
            notify |= keyword.Value;
        }
        return notify;
    }

    /// <summary>local@domain with no whitespace or control characters; the sender is otherwise taken as given.</summary>
    private static bool IsMailbox(string address)
    {
        var at = address.LastIndexOf('@');
        return at > 0 && at < address.Length - 1 && !address.Any(c => c <= ' ' || c == 127);
    }
}
