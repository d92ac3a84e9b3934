using System.Text;
using RestMail.Storage.Accounts;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>The tag of an AUTHENTICATE waiting for the client's response line (no SASL-IR).</summary>
    private string? _saslTag;

    /// <summary>RFC 9051 §6.2.3 LOGIN userid password; refused without TLS (LOGINDISABLED).</summary>
    private async Task<Next> LoginAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var user = reader.ReadAString();
        reader.ExpectSpace();
        var password = reader.ReadAString();
        reader.ExpectEnd();
        if (!LoginAllowed)
        {
            // RFC 9051 §6.2.3 / §7.1: [PRIVACYREQUIRED]; the password crossed the wire in clear, but we will not use it.
            Tagged(tag, "NO", "[PRIVACYREQUIRED] LOGIN is only allowed after STARTTLS");
            return Next.Continue;
        }
        return await VerifyAsync(tag, user, password, ct);
    }

    /// <summary>RFC 9051 §6.2.2 AUTHENTICATE PLAIN [initial-response] (RFC 4959 SASL-IR).</summary>
    private async Task<Next> AuthenticateAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectSpace();
        var mechanism = reader.ReadKeyword();
        string? initial = null;
        if (reader.TryConsume((byte)' '))
            initial = reader.ReadAtom();
        reader.ExpectEnd();
        if (!LoginAllowed)
        {
            Tagged(tag, "NO", "[PRIVACYREQUIRED] Authentication is only allowed after STARTTLS");
            return Next.Continue;
        }
        if (mechanism != "PLAIN")
        {
            Tagged(tag, "NO", "[CANNOT] Unsupported authentication mechanism");
            return Next.Continue;
        }
        if (initial is null)
        {
            _saslTag = tag;
            _out.Raw("+ \r\n");
            return Next.Continue;
        }
        return await PlainAsync(tag, initial, ct);
    }

    private async Task<Next> HandleSaslLineAsync(ReadOnlyMemory<byte> line, CancellationToken ct)
    {
        var tag = _saslTag!;
        _saslTag = null;
        var response = Ascii(line.Span).Trim();
        // RFC 9051 §6.2.2: "*" cancels the exchange.
        if (response == "*")
            return Bad(tag, "AUTHENTICATE cancelled");
        return await PlainAsync(tag, response, ct);
    }

    private async Task<Next> PlainAsync(string tag, string base64, CancellationToken ct)
    {
        string decoded;
        try
        {
            decoded = base64 == "=" ? "" : new UTF8Encoding(false, true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return Bad(tag, "Invalid base64 in the SASL response");
        }
        // RFC 4616 §2: [authzid] NUL authcid NUL passwd; acting as another user is not offered.
        var fields = decoded.Split('\0');
        if (fields.Length != 3 || (fields[0].Length > 0 && !string.Equals(fields[0], fields[1], StringComparison.OrdinalIgnoreCase)))
            return await FailAsync(tag, fields.Length == 3 ? fields[1] : "");
        return await VerifyAsync(tag, fields[1], fields[2], ct);
    }

    private async Task<Next> VerifyAsync(string tag, string user, string password, CancellationToken ct)
    {
        if (_gateway.AuthThrottle.IsBanned(_remote))
        {
            Tagged(tag, "NO", "[UNAVAILABLE] Too many failed logins; try again later");
            return Next.Continue;
        }
        AccountCredentials? credentials;
        try
        {
            credentials = await _gateway.Directory.FindCredentialsAsync(user, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ImapCommandFailed(_gateway.Logger, e, "LOGIN", _remote);
            Tagged(tag, "NO", "[UNAVAILABLE] Temporary failure; try again");
            return Next.Continue;
        }
        // The unknown user costs the same hash as a known one (no user enumeration by timing).
        var hash = credentials?.PasswordHash ?? PasswordHasher.DummyHash;
        var valid = await Task.Run(() => PasswordHasher.Verify(password, hash), ct) && credentials is not null;
        if (!valid)
            return await FailAsync(tag, user);
        _gateway.AuthThrottle.RecordSuccess(_remote);
        _account = credentials;
        _state = SessionState.Authenticated;
        // RFC 9051 §6.2.3: the capabilities may change after login; say them in the response code.
        Tagged(tag, "OK", $"[CAPABILITY {Capabilities()}] Logged in");
        return Next.Continue;
    }

    private Task<Next> FailAsync(string tag, string user)
    {
        _gateway.Metrics.AuthFailed();
        Log.ImapAuthFailed(_gateway.Logger, user.Length > 254 ? user[..254] : user, _remote);
        if (_gateway.AuthThrottle.RecordFailure(_remote))
            Log.ImapAuthBanned(_gateway.Logger, _remote);
        Tagged(tag, "NO", "[AUTHENTICATIONFAILED] Invalid credentials");
        return Task.FromResult(Next.Continue);
    }
}
