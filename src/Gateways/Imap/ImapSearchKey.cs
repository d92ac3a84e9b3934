namespace RestMail.Gateways.Imap;

/// <summary>
/// One node of a parsed SEARCH program (RFC 9051 §6.4.4). Evaluation is three-valued: null means
/// "needs the message content", so that the cheap metadata keys decide first and the raw message is
/// read and parsed only for the candidates they leave open.
/// </summary>
internal abstract class ImapSearchKey
{
    public abstract bool? Matches(ImapSearchCandidate candidate);

    /// <summary>Adds the text keys of this subtree (their answers can be looked up before the pass).</summary>
    public virtual void CollectTextKeys(List<ImapTextSearchKey> found)
    {
    }
}
