using System.Text;

namespace RestMail.Gateways.Pop3;

/// <summary>
/// The fixed responses, encoded once. Response codes in brackets are RFC 2449 §8 (IN-USE,
/// LOGIN-DELAY) and RFC 3206 (SYS/TEMP, SYS/PERM, AUTH).
/// </summary>
public static class Pop3Replies
{
    public static readonly byte[] Ok = Line("+OK");
    public static readonly byte[] Bye = Line("+OK Bye");
    public static readonly byte[] SendPass = Line("+OK Send PASS");
    public static readonly byte[] TopFollows = Line("+OK Top of message follows");
    public static readonly byte[] UniqueIdListFollows = Line("+OK Unique-id listing follows");
    /// <summary>RFC 1939 §3: a multi-line response ends with a line holding only ".".</summary>
    public static readonly byte[] EndOfList = Line(".");
    public static readonly byte[] BeginTls = Line("+OK Begin TLS negotiation");
    /// <summary>RFC 5034 §4: an empty server challenge ("+ " then CRLF) asks for the PLAIN response.</summary>
    public static readonly byte[] SaslContinue = Line("+ ");
    /// <summary>AUTH without a mechanism lists them (the RFC 1734 form older clients still send).</summary>
    public static readonly byte[] Mechanisms = Encoding.ASCII.GetBytes("+OK Supported SASL mechanisms\r\nPLAIN\r\n.\r\n");

    public static readonly byte[] UnknownCommand = Line("-ERR Unknown command");
    public static readonly byte[] LineTooLong = Line("-ERR Line too long");
    public static readonly byte[] NotInThisState = Line("-ERR Command not valid in this state");
    public static readonly byte[] SyntaxError = Line("-ERR Syntax error in arguments");
    public static readonly byte[] TooManyErrors = Line("-ERR Too many errors; closing connection");
    public static readonly byte[] NoSuchMessage = Line("-ERR No such message");
    public static readonly byte[] MessageDeleted = Line("-ERR Message already deleted");
    public static readonly byte[] MessageGone = Line("-ERR Message was removed by another client");
    public static readonly byte[] AlreadyTls = Line("-ERR TLS is already active");
    public static readonly byte[] UserFirst = Line("-ERR Send USER first");
    public static readonly byte[] ApopNotSupported = Line("-ERR APOP is not supported; use USER/PASS or AUTH PLAIN");
    public static readonly byte[] UnknownMechanism = Line("-ERR Unsupported SASL mechanism");
    public static readonly byte[] AuthCancelled = Line("-ERR Authentication cancelled");
    public static readonly byte[] InvalidBase64 = Line("-ERR Invalid base64 in the SASL response");

    /// <summary>RFC 2595 §2.1: no clear-text password before TLS. RFC 3206 §4: [AUTH].</summary>
    public static readonly byte[] TlsRequired = Line("-ERR [AUTH] Plaintext authentication is disallowed before TLS; use STLS");
    public static readonly byte[] AuthFailed = Line("-ERR [AUTH] Authentication failed");
    /// <summary>RFC 2449 §8.1.3: the client must wait before logging in again (this IP address is banned).</summary>
    public static readonly byte[] LoginDelay = Line("-ERR [LOGIN-DELAY] Too many failed logins from your address; try again later");
    /// <summary>RFC 2449 §8.1.2: another session has the maildrop locked.</summary>
    public static readonly byte[] InUse = Line("-ERR [IN-USE] Maildrop is locked by another POP3 session");
    public static readonly byte[] TemporaryFailure = Line("-ERR [SYS/TEMP] Temporary server failure; try again later");
    public static readonly byte[] TooManyConnections = Line("-ERR [SYS/TEMP] Too many connections from your address");
    /// <summary>RFC 1939 §6: the UPDATE state could not remove every message marked as deleted.</summary>
    public static readonly byte[] NotAllDeleted = Line("-ERR [SYS/TEMP] Some deleted messages were not removed");

    private static readonly byte[][] CapabilityLists =
    [
        Capabilities(login: false, stls: false), Capabilities(login: false, stls: true),
        Capabilities(login: true, stls: false), Capabilities(login: true, stls: true),
    ];

    /// <summary>
    /// RFC 2449 §5 CAPA. USER and SASL appear only when a login may be attempted now, STLS only
    /// before TLS on the STLS listener. EXPIRE NEVER: the server deletes nothing by itself (§6.7).
    /// </summary>
    public static byte[] CapabilityList(bool login, bool stls) => CapabilityLists[(login ? 2 : 0) + (stls ? 1 : 0)];

    private static byte[] Capabilities(bool login, bool stls)
    {
        var text = new StringBuilder("+OK Capability list follows\r\nTOP\r\nUIDL\r\n");
        if (login)
            text.Append("USER\r\nSASL PLAIN\r\n");
        text.Append("RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\n");
        if (stls)
            text.Append("STLS\r\n");
        return Encoding.ASCII.GetBytes(text.Append(".\r\n").ToString());
    }

    private static byte[] Line(string text) => Encoding.ASCII.GetBytes(text + "\r\n");
}
