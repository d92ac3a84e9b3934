namespace RestMail.Gateways.Imap;

/// <summary>OR key1 key2: one definite match is enough to accept.</summary>
internal sealed class ImapOrSearchKey(ImapSearchKey left, ImapSearchKey right) : ImapSearchKey
{
    public override bool? Matches(ImapSearchCandidate candidate)
    {
        var first = left.Matches(candidate);
        if (first == true)
            return true;
        var second = right.Matches(candidate);
        if (second == true)
            return true;
        return first is null || second is null ? null : false;
    }

    public override void CollectTextKeys(List<ImapTextSearchKey> found)
    {
        left.CollectTextKeys(found);
        right.CollectTextKeys(found);
    }
}
