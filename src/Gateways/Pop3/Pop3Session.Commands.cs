namespace RestMail.Gateways.Pop3;

public sealed partial class Pop3Session
{
    /// <summary>RFC 1939 §3: AUTHORIZATION until the maildrop is open, then TRANSACTION (its <see cref="_maildrop"/>).</summary>
    private bool InTransaction => _maildrop is not null;

    private async Task<Next> HandleCommandAsync(Pop3Command command, CancellationToken ct)
    {
        switch (command.Verb)
        {
            case Pop3Verb.Capa:
                return Capabilities(command.Argument);
            case Pop3Verb.Quit:
                return await QuitAsync(command.Argument, ct);
            case Pop3Verb.Unknown:
                return Error(Pop3Replies.UnknownCommand);
        }
        if (!InTransaction)
        {
            return command.Verb switch
            {
                Pop3Verb.User => User(command.Argument),
                Pop3Verb.Pass => await PassAsync(command.Argument, ct),
                Pop3Verb.Auth => await AuthAsync(command.Argument, ct),
                Pop3Verb.Stls => StartTls(command.Argument),
                Pop3Verb.Apop => Error(Pop3Replies.ApopNotSupported),
                _ => Error(Pop3Replies.NotInThisState),
            };
        }
        return command.Verb switch
        {
            Pop3Verb.Stat => Stat(command.Argument),
            Pop3Verb.List => List(command.Argument),
            Pop3Verb.Uidl => UniqueIdList(command.Argument),
            Pop3Verb.Retr => await RetrieveAsync(command.Argument, ct),
            Pop3Verb.Top => await TopAsync(command.Argument, ct),
            Pop3Verb.Dele => Delete(command.Argument),
            Pop3Verb.Rset => Reset(command.Argument),
            Pop3Verb.Noop => Noop(command.Argument),
            _ => Error(Pop3Replies.NotInThisState),
        };
    }

    /// <summary>RFC 2449 §5: CAPA is valid in every state.</summary>
    private Next Capabilities(string argument)
    {
        if (argument.Length > 0)
            return Error(Pop3Replies.SyntaxError);
        Reply(Pop3Replies.CapabilityList(login: !InTransaction && LoginAllowed, stls: !InTransaction && _stlsListener && !_tls));
        return Next.Continue;
    }

    /// <summary>RFC 2595 §4: STLS, only in the AUTHORIZATION state, only once, only on the STLS listener.</summary>
    private Next StartTls(string argument)
    {
        if (argument.Length > 0)
            return Error(Pop3Replies.SyntaxError);
        if (_tls)
            return Error(Pop3Replies.AlreadyTls);
        Reply(Pop3Replies.BeginTls);
        return Next.StartTls;
    }

    /// <summary>
    /// RFC 1939 §6: QUIT in AUTHORIZATION just closes; in TRANSACTION it enters the UPDATE state,
    /// which removes the messages marked as deleted — through the mailbox grain, so quota, MODSEQ,
    /// the change log and IMAP/SSE observers see it as any other expunge.
    /// </summary>
    private async Task<Next> QuitAsync(string argument, CancellationToken ct)
    {
        if (argument.Length > 0)
            return Error(Pop3Replies.SyntaxError);
        if (_maildrop is null || _account is null)
        {
            Reply(Pop3Replies.Bye);
            return Next.Close;
        }
        var deleted = _maildrop.DeletedIds();
        if (deleted.Count > 0)
        {
            try
            {
                deleted = await _gateway.Maildrops.StillInFolderAsync(_account.Id, _maildrop.FolderId, deleted, ct);
                if (deleted.Count > 0)
                    await _gateway.Grains.GetGrain<Grains.Mailboxes.IMailboxGrain>(_account.Id).ExpungeAsync(deleted);
            }
            catch (Exception e)
            {
                Log.Pop3StorageFailed(_gateway.Logger, e, _remote);
                Reply(Pop3Replies.NotAllDeleted);
                return Next.Close;
            }
            _gateway.Metrics.Deleted(deleted.Count);
            Log.Pop3Expunged(_gateway.Logger, _account.Id, _remote, deleted.Count);
        }
        ReplyLine($"+OK Bye; {deleted.Count} message(s) deleted");
        return Next.Close;
    }
}
