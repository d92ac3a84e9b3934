using RestMail.Storage.Accounts;

namespace RestMail.Gateways.Pop3;

public sealed partial class Pop3Session
{
    private string? _user;
    private bool _saslPending;

    /// <summary>RFC 2595 §2.1: passwords only under TLS, unless the operator allows otherwise.</summary>
    private bool LoginAllowed => _tls || Options.AllowPlaintextAuth;

    /// <summary>RFC 1939 §7 USER. The answer never says whether the mailbox exists.</summary>
    private Next User(string argument)
    {
        if (!LoginAllowed)
            return Error(Pop3Replies.TlsRequired);
        if (argument.Length == 0 || argument.Contains(' ', StringComparison.Ordinal))
            return Error(Pop3Replies.SyntaxError);
        _user = argument;
        Reply(Pop3Replies.SendPass);
        return Next.Continue;
    }

    /// <summary>RFC 1939 §7 PASS: the whole rest of the line is the password (it may hold spaces).</summary>
    private async Task<Next> PassAsync(string argument, CancellationToken ct)
    {
        if (!LoginAllowed)
            return Error(Pop3Replies.TlsRequired);
        if (_user is null)
            return Error(Pop3Replies.UserFirst);
        var user = _user;
        _user = null;
        return await LoginAsync(user, argument, ct);
    }

    /// <summary>RFC 5034 AUTH mechanism [initial-response]; PLAIN (RFC 4616) only.</summary>
    private async Task<Next> AuthAsync(string argument, CancellationToken ct)
    {
        if (argument.Length == 0)
        {
            Reply(Pop3Replies.Mechanisms);
            return Next.Continue;
        }
        if (!LoginAllowed)
            return Error(Pop3Replies.TlsRequired);
        var parts = argument.Split(' ');
        if (parts.Length > 2 || parts[0].Length == 0)
            return Error(Pop3Replies.SyntaxError);
        if (!parts[0].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
            return Error(Pop3Replies.UnknownMechanism);
        if (parts.Length == 1)
        {
            _saslPending = true;
            Reply(Pop3Replies.SaslContinue);
            return Next.Continue;
        }
        return await PlainAsync(parts[1], ct);
    }

    private async Task<Next> SaslResponseAsync(string response, CancellationToken ct)
    {
        // RFC 5034 §4: "*" cancels the exchange.
        if (response == "*")
            return Error(Pop3Replies.AuthCancelled);
        return await PlainAsync(response, ct);
    }

    private async Task<Next> PlainAsync(string base64, CancellationToken ct)
    {
        if (!SaslPlain.TryDecode(base64, out var credentials))
            return Error(Pop3Replies.InvalidBase64);
        if (credentials is null)
            return Fail("");
        return await LoginAsync(credentials.Value.User, credentials.Value.Password, ct);
    }

    /// <summary>Checks the password, then locks and opens the maildrop (RFC 1939 §4: enter TRANSACTION).</summary>
    private async Task<Next> LoginAsync(string user, string password, CancellationToken ct)
    {
        if (_gateway.AuthThrottle.IsBanned(_remote))
        {
            Reply(Pop3Replies.LoginDelay);
            return Next.Continue;
        }
        AccountCredentials? account;
        try
        {
            account = await _gateway.Directory.FindCredentialsAsync(user, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Pop3StorageFailed(_gateway.Logger, e, _remote);
            Reply(Pop3Replies.TemporaryFailure);
            return Next.Continue;
        }
        // The unknown user costs the same hash as a known one.
        var hash = account?.PasswordHash ?? PasswordHasher.DummyHash;
        var valid = await Task.Run(() => PasswordHasher.Verify(password, hash), ct) && account is not null;
        if (!valid)
            return Fail(user);
        _gateway.AuthThrottle.RecordSuccess(_remote);
        Reply(await OpenMaildropAsync(account!, ct));
        return Next.Continue;
    }

    private Next Fail(string user)
    {
        _gateway.Metrics.AuthFailed();
        Log.Pop3AuthFailed(_gateway.Logger, user.Length > 254 ? user[..254] : user, _remote);
        if (_gateway.AuthThrottle.RecordFailure(_remote))
            Log.Pop3AuthBanned(_gateway.Logger, _remote);
        Reply(Pop3Replies.AuthFailed);
        return Next.Continue;
    }
}
