using System.Text;
using RestMail.Storage.Accounts;

namespace RestMail.Gateways.Smtp;

public sealed partial class SmtpSession
{
    private SaslStep _sasl;
    private string _saslUser = "";

    private enum SaslStep
    {
        None,
        PlainResponse,
        LoginUser,
        LoginPassword,
    }

    /// <summary>RFC 4954 AUTH mechanism [initial-response]: PLAIN (RFC 4616) and LOGIN, over TLS only.</summary>
    private async Task<Next> AuthAsync(string argument, CancellationToken ct)
    {
        if (!_tls)
            return Error(SmtpReplies.TlsRequiredForAuth);
        if (_helo is null || !_esmtp)
            return Error(SmtpReplies.HelloFirst);
        if (_account is not null)
            return Error(SmtpReplies.AlreadyAuthenticated);
        if (_transaction is not null)
            return Error(SmtpReplies.NotDuringTransaction);
        if (_gateway.AuthThrottle.IsBanned(_remote))
        {
            Reply(SmtpReplies.AuthTemporarilyBlocked);
            return Next.Continue;
        }
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2)
            return Error(SmtpReplies.SyntaxErrorInParameters);
        var initial = parts.Length == 2 ? parts[1] : null;
        switch (parts[0].ToUpperInvariant())
        {
            case "PLAIN":
                if (initial is null)
                {
                    _sasl = SaslStep.PlainResponse;
                    Reply(SmtpReplies.EmptyChallenge);
                    return Next.Continue;
                }
                return await PlainAsync(initial, ct);
            case "LOGIN":
                if (initial is null)
                {
                    _sasl = SaslStep.LoginUser;
                    Reply(SmtpReplies.UsernameChallenge);
                    return Next.Continue;
                }
                return LoginUser(initial);
            default:
                return Error(SmtpReplies.UnknownMechanism);
        }
    }

    private async Task<Next> HandleSaslResponseAsync(string response, CancellationToken ct)
    {
        var step = _sasl;
        _sasl = SaslStep.None;
        // RFC 4954 §4: "*" cancels the exchange.
        if (response == "*")
            return Error(SmtpReplies.AuthCancelled);
        return step switch
        {
            SaslStep.PlainResponse => await PlainAsync(response, ct),
            SaslStep.LoginUser => LoginUser(response),
            _ => await VerifyAsync(_saslUser, Decode(response), ct),
        };
    }

    private async Task<Next> PlainAsync(string response, CancellationToken ct)
    {
        // RFC 4616 §2: [authzid] NUL authcid NUL passwd.
        var decoded = Decode(response);
        if (decoded is null)
            return Error(SmtpReplies.AuthBadBase64);
        var fields = decoded.Split('\0');
        if (fields.Length != 3 || (fields[0].Length > 0 && !string.Equals(fields[0], fields[1], StringComparison.OrdinalIgnoreCase)))
            return await FailAsync(fields.Length == 3 ? fields[1] : "");
        return await VerifyAsync(fields[1], fields[2], ct);
    }

    private Next LoginUser(string response)
    {
        var user = Decode(response);
        if (user is null)
            return Error(SmtpReplies.AuthBadBase64);
        _saslUser = user;
        _sasl = SaslStep.LoginPassword;
        Reply(SmtpReplies.PasswordChallenge);
        return Next.Continue;
    }

    private async Task<Next> VerifyAsync(string user, string? password, CancellationToken ct)
    {
        if (password is null)
            return Error(SmtpReplies.AuthBadBase64);
        AccountCredentials? credentials;
        try
        {
            credentials = await _gateway.Directory.FindCredentialsAsync(user, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.SmtpLookupFailed(_gateway.Logger, e, _remote);
            Reply(SmtpReplies.AuthTemporaryFailure);
            return Next.Continue;
        }
        // The unknown user costs the same hash as a known one.
        var hash = credentials?.PasswordHash ?? PasswordHasher.DummyHash;
        var valid = await Task.Run(() => PasswordHasher.Verify(password, hash), ct) && credentials is not null;
        if (!valid)
            return await FailAsync(user);
        _gateway.AuthThrottle.RecordSuccess(_remote);
        _account = credentials;
        Reply(SmtpReplies.AuthSucceeded);
        return Next.Continue;
    }

    private Task<Next> FailAsync(string user)
    {
        _gateway.Metrics.AuthFailed();
        Log.SmtpAuthFailed(_gateway.Logger, user.Length > 254 ? user[..254] : user, _remote);
        if (_gateway.AuthThrottle.RecordFailure(_remote))
            Log.SmtpAuthBanned(_gateway.Logger, _remote);
        return Task.FromResult(Error(SmtpReplies.AuthFailed));
    }

    private static string? Decode(string base64)
    {
        if (base64 == "=")
            return "";
        try
        {
            return new UTF8Encoding(false, true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }
}
