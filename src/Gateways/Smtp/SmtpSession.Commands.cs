namespace RestMail.Gateways.Smtp;

public sealed partial class SmtpSession
{
    private string? _helo;
    private bool _esmtp;

    private async Task<Next> HandleCommandAsync(SmtpCommand command, CancellationToken ct)
    {
        switch (command.Verb)
        {
            case SmtpVerb.Ehlo:
            case SmtpVerb.Helo:
                return Hello(command);
            case SmtpVerb.Mail:
                return await MailAsync(command.Argument, ct);
            case SmtpVerb.Rcpt:
                return await RecipientAsync(command.Argument, ct);
            case SmtpVerb.Data:
                return Data(command.Argument);
            case SmtpVerb.Bdat:
                return Bdat(command.Argument);
            case SmtpVerb.Rset:
                if (command.Argument.Length > 0)
                    return Error(SmtpReplies.NoArgumentsAllowed);
                ResetTransaction();
                Reply(SmtpReplies.ResetOk);
                return Next.Continue;
            case SmtpVerb.Noop:
                Reply(SmtpReplies.Ok);
                return Next.Continue;
            case SmtpVerb.Quit:
                Reply(Greetings.Bye);
                return Next.Close;
            case SmtpVerb.Vrfy:
                // RFC 5321 §3.5.3: 252 when the server will not say whether the user exists.
                if (command.Argument.Length == 0)
                    return Error(SmtpReplies.SyntaxErrorInParameters);
                Reply(SmtpReplies.CannotVerify);
                return Next.Continue;
            case SmtpVerb.Expn:
                return Error(SmtpReplies.NotImplemented);
            case SmtpVerb.Help:
                Reply(SmtpReplies.Help);
                return Next.Continue;
            case SmtpVerb.StartTls:
                return StartTls(command.Argument);
            case SmtpVerb.Auth:
                return await AuthAsync(command.Argument, ct);
            default:
                return Error(SmtpReplies.UnknownCommand);
        }
    }

    /// <summary>RFC 5321 §4.1.1.1: EHLO/HELO name the client and reset any transaction.</summary>
    private Next Hello(SmtpCommand command)
    {
        var name = command.Argument.Split(' ', 2)[0];
        if (name.Length == 0)
            return Error(SmtpReplies.EhloNeedsDomain);
        ResetTransaction();
        _helo = name;
        _esmtp = command.Verb == SmtpVerb.Ehlo;
        var mx = _kind == SmtpEndpointKind.Mx;
        Reply(!_esmtp ? Greetings.Helo : _tls ? (mx ? Greetings.EhloTlsMx : Greetings.EhloTls) : (mx ? Greetings.EhloPlainMx : Greetings.EhloPlain));
        return Next.Continue;
    }

    private Next StartTls(string argument)
    {
        if (argument.Length > 0)
            return Error(SmtpReplies.NoArgumentsAllowed);
        if (_tls)
            return Error(SmtpReplies.AlreadyTls);
        if (_helo is null)
            return Error(SmtpReplies.HelloFirst);
        Reply(SmtpReplies.ReadyToStartTls);
        return Next.StartTls;
    }
}
