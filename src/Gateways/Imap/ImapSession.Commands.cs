using System.Globalization;

namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// The extensions this server implements, and nothing else: a client that believes a capability
    /// uses it without asking (RFC 9051 §7.2.2).
    /// </summary>
    private string ExtensionCapabilities => string.Create(CultureInfo.InvariantCulture,
        $"LITERAL+ ID ENABLE NAMESPACE IDLE UIDPLUS MOVE ESEARCH SEARCHRES CONDSTORE QRESYNC SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES UNSELECT CHILDREN SPECIAL-USE CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS STATUS=SIZE APPENDLIMIT={Options.AppendLimit} MULTIAPPEND BINARY QUOTA QUOTA=RES-STORAGE UTF8=ACCEPT COMPRESS=DEFLATE");

    /// <summary>
    /// RFC 9051 §6.1.1 / §6.2: before TLS, STARTTLS and LOGINDISABLED, no mechanisms; after TLS (or
    /// with plaintext logins allowed) and before login, AUTH=PLAIN and SASL-IR (RFC 4959); after login,
    /// the extensions. Both protocol versions are offered (RFC 9051 Appendix E): a session speaks
    /// IMAP4rev1 until the client sends ENABLE IMAP4rev2.
    /// </summary>
    private bool LoginAllowed => _tls || Options.AllowPlaintextAuth;

    private string Capabilities()
    {
        if (_state != SessionState.NotAuthenticated)
            return "IMAP4rev1 IMAP4rev2 " + ExtensionCapabilities;
        return LoginAllowed
            ? "IMAP4rev1 IMAP4rev2 SASL-IR AUTH=PLAIN " + ExtensionCapabilities
            : "IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED " + ExtensionCapabilities;
    }

    private (string, string) CapabilityCommand(ImapReader reader)
    {
        reader.ExpectEnd();
        _out.Raw("* CAPABILITY ").Raw(Capabilities()).Line();
        return ("OK", "CAPABILITY completed");
    }

    /// <summary>NOOP and CHECK: nothing to do but report what changed (RFC 9051 §6.1.2).</summary>
    private async Task<Next> NoopAsync(string tag, ImapReader reader, CancellationToken ct)
    {
        reader.ExpectEnd();
        // NOOP is the client's poll, so it reads the change log even when the grain's notification
        // has not arrived yet: the grain answers the writer first and notifies observers after, so
        // a client told "deleted" elsewhere (POP3 QUIT, REST) may ask before the signal is here.
        _signal?.MarkChanged();
        await ReportChangesAsync(expungeAllowed: true, ct);
        Tagged(tag, "OK", "NOOP completed");
        return Next.Continue;
    }

    /// <summary>RFC 2971: the client's ID is read and ignored; the server names itself.</summary>
    private (string, string) IdCommand(ImapReader reader)
    {
        reader.ExpectSpace();
        if (!reader.TryConsumeWord("NIL"))
        {
            reader.Expect((byte)'(');
            reader.EnterGroup();
            var pairs = 0;
            while (!reader.TryConsume((byte)')'))
            {
                if (pairs++ > 0)
                    reader.ExpectSpace();
                reader.ReadAString();
                reader.ExpectSpace();
                if (!reader.TryConsumeWord("NIL"))
                    reader.ReadAString();
                if (pairs > 30)
                    throw new ImapParseException("Too many ID fields");
            }
            reader.LeaveGroup();
        }
        reader.ExpectEnd();
        _out.Raw("* ID (\"name\" \"REST Mail\" \"vendor\" \"REST Mail\")\r\n");
        return ("OK", "ID completed");
    }

    /// <summary>RFC 5161 ENABLE: only extensions that change how this server answers are listed.</summary>
    private (string, string) EnableCommand(ImapReader reader)
    {
        var enabled = new List<string>();
        // IMAP4rev2 brings UTF-8 along; a UTF8=ACCEPT in the same command is still listed as enabled.
        var utf8Before = _out.Utf8Enabled;
        do
        {
            reader.ExpectSpace();
            var name = reader.ReadKeyword();
            if (name == "IMAP4REV2" && !_imap4rev2)
            {
                // RFC 9051 §6.3.1: from here on the session answers as IMAP4rev2 (see _imap4rev2),
                // and §5.1: mailbox names and quoted strings are UTF-8, as after UTF8=ACCEPT.
                _imap4rev2 = true;
                _out.Utf8Enabled = true;
                enabled.Add("IMAP4rev2");
            }
            else if (name == "UTF8=ACCEPT" && !utf8Before && !enabled.Contains(name))
            {
                // RFC 6855 §3: quoted strings may now hold UTF-8, mailbox names are UTF-8.
                _out.Utf8Enabled = true;
                enabled.Add(name);
            }
            else if (name == "CONDSTORE" && !_condStore)
            {
                _condStore = true;
                enabled.Add(name);
            }
            else if (name == "QRESYNC" && !_qresync)
            {
                // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                _qresync = _condStore = true;
                enabled.Add(name);
            }
        }
        while (!reader.AtEnd);
        _out.Raw("* ENABLED");
        foreach (var name in enabled)
            _out.Raw(" ").Raw(name);
        _out.Line();
        return ("OK", "ENABLE completed");
    }

    private Next StartTls(string tag, ImapReader reader)
    {
        reader.ExpectEnd();
        if (_tls)
            return Bad(tag, "TLS is already active");
        Tagged(tag, "OK", "Begin TLS negotiation now");
        return Next.StartTls;
    }
}
