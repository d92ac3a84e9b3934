namespace RestMail.Gateways.Imap;

/// <summary>Keys side by side (and parenthesised groups) must all match; one definite miss is enough to reject.</summary>
internal sealed class ImapAllOfSearchKey(IReadOnlyList<ImapSearchKey> keys) : ImapSearchKey
{
    public override bool? Matches(ImapSearchCandidate candidate)
    {
        var unknown = false;
        foreach (var key in keys)
        {
            switch (key.Matches(candidate))
            {
                case false:
                    return false;
                case null:
                    unknown = true;
                    break;
            }
        }
        return unknown ? null : true;
    }

    public override void CollectTextKeys(List<ImapTextSearchKey> found)
    {
        foreach (var key in keys)
            key.CollectTextKeys(found);
    }
}
