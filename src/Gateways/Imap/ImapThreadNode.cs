namespace RestMail.Gateways.Imap;

/// <summary>A container in a THREAD tree (RFC 5256 §2.2): a message, or a dummy standing for a missing one.</summary>
internal sealed class ImapThreadNode(long number, ImapMessageHeaders? message)
{
    /// <summary>The sequence number or UID the answer names; 0 for a dummy.</summary>
    public long Number { get; private set; } = number;

    public ImapMessageHeaders? Message { get; private set; } = message;

    /// <summary>A dummy created for a referenced Message-ID becomes that message once it is met.</summary>
    public void Fill(long number, ImapMessageHeaders message)
    {
        Number = number;
        Message = message;
    }

    public bool IsDummy => Message is null;

    public ImapThreadNode? Parent { get; set; }

    public List<ImapThreadNode> Children { get; } = [];

    /// <summary>RFC 5256 §2.2 (6): a dummy sorts by its first child (children are sorted first).</summary>
    public DateTimeOffset SortDate => Message?.Date ?? (Children.Count > 0 ? Children[0].SortDate : DateTimeOffset.MinValue);

    public long SortNumber => Message is not null ? Number : (Children.Count > 0 ? Children[0].SortNumber : 0);

    public bool IsAncestorOf(ImapThreadNode node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            if (current == this)
                return true;
        }
        return false;
    }

    public void Adopt(ImapThreadNode child)
    {
        child.Parent?.Children.Remove(child);
        child.Parent = this;
        Children.Add(child);
    }
}
