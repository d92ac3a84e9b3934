namespace RestMail.Gateways.Imap;

/// <summary>NOT key: unknown stays unknown until the content is there.</summary>
internal sealed class ImapNotSearchKey(ImapSearchKey inner) : ImapSearchKey
{
    public override bool? Matches(ImapSearchCandidate candidate) => !inner.Matches(candidate);

    public override void CollectTextKeys(List<ImapTextSearchKey> found) => inner.CollectTextKeys(found);
}
