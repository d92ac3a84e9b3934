namespace RestMail.Gateways.Imap;

/// <summary>A key answered from the message's row alone: sets, flags, keywords, sizes, dates, MODSEQ.</summary>
internal sealed class ImapMetadataSearchKey(Func<int, ImapMessage, bool> predicate) : ImapSearchKey
{
    public override bool? Matches(ImapSearchCandidate candidate) => predicate(candidate.Sequence, candidate.Message);
}
