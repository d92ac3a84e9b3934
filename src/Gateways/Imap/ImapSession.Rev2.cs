namespace RestMail.Gateways.Imap;

public sealed partial class ImapSession
{
    /// <summary>
    /// Set by ENABLE IMAP4rev2 (RFC 9051 §6.3.1). The server advertises both versions and speaks
    /// IMAP4rev1 until then; afterwards the RFC 9051 Appendix E differences that a client can see apply:
    /// <list type="bullet">
    /// <item>SEARCH answers with ESEARCH, as if RETURN (ALL) had been given (§6.4.4, §7.3.4);</item>
    /// <item>SELECT/EXAMINE send no RECENT and no UNSEEN response code, and add an untagged LIST
    /// with the mailbox name (§6.3.2);</item>
    /// <item>mailbox names and quoted strings are UTF-8, never modified UTF-7 (§5.1, §4.3).</item>
    /// </list>
    /// What IMAP4rev2 merely folds in from extensions (NAMESPACE, UNSELECT, UIDPLUS, MOVE, ESEARCH,
    /// SEARCHRES, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE, BINARY, STATUS SIZE and DELETED, response
    /// codes) works the same in both versions.
    /// </summary>
    private bool _imap4rev2;
}
