namespace RestMail.Gateways.Imap;

/// <summary>RFC 5256 THREAD algorithms over the summary columns, and the thread-list answer.</summary>
internal static class ImapThreader
{
    /// <summary>
    /// RFC 5256 §2.1 ORDEREDSUBJECT: messages with the same base subject form one thread, the earliest
    /// first and the others its children in date order; threads ordered by their first message.
    /// </summary>
    public static List<ImapThreadNode> OrderedSubject(IReadOnlyList<(long Number, ImapMessageHeaders Message)> messages)
    {
        var threads = new List<ImapThreadNode>();
        foreach (var group in messages.GroupBy(m => ImapBaseSubject.Of(m.Message.Subject), StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(m => m.Message.Date).ThenBy(m => m.Number).ToList();
            var root = new ImapThreadNode(ordered[0].Number, ordered[0].Message);
            foreach (var (number, message) in ordered.Skip(1))
                root.Adopt(new ImapThreadNode(number, message));
            threads.Add(root);
        }
        return [.. threads.OrderBy(t => t.SortDate).ThenBy(t => t.SortNumber)];
    }

    /// <summary>RFC 5256 §2.2 REFERENCES: parent links from References/In-Reply-To, dummies pruned, roots merged by base subject.</summary>
    public static List<ImapThreadNode> References(IReadOnlyList<(long Number, ImapMessageHeaders Message)> messages)
    {
        var byId = new Dictionary<string, ImapThreadNode>(StringComparer.Ordinal);
        var all = new List<ImapThreadNode>();
        ImapThreadNode Container(string id)
        {
            if (!byId.TryGetValue(id, out var node))
            {
                node = new ImapThreadNode(0, null);
                byId[id] = node;
                all.Add(node);
            }
            return node;
        }
        foreach (var (number, message) in messages)
        {
            // (1)A: link the references in order, parent before child, never making a loop.
            var references = message.References.Count > 0 ? message.References : message.InReplyTo is { } reply ? [reply] : [];
            ImapThreadNode? previous = null;
            foreach (var reference in references)
            {
                var current = Container(reference);
                if (previous is not null && current.Parent is null && !current.IsAncestorOf(previous))
                    previous.Adopt(current);
                previous = current;
            }
            // (1)B: the message's own container; a missing or duplicate Message-ID gets a fresh one.
            ImapThreadNode own;
            if (message.MessageId is { } id && byId.TryGetValue(id, out var existing) && existing.IsDummy)
            {
                existing.Fill(number, message);
                own = existing;
            }
            else
            {
                own = new ImapThreadNode(number, message);
                all.Add(own);
                if (message.MessageId is { } fresh)
                    byId.TryAdd(fresh, own);
            }
            // (1)C: the parent is the last reference (unless that would make a loop).
            if (own.Parent is not null)
            {
                own.Parent.Children.Remove(own);
                own.Parent = null;
            }
            if (previous is not null && previous != own && !own.IsAncestorOf(previous))
                previous.Adopt(own);
        }
        // (2), (4): the root set with dummies pruned.
        var roots = Prune(all.Where(n => n.Parent is null).ToList(), atRoot: true);
        foreach (var root in roots)
            root.Parent = null;
        roots = GatherBySubject(roots);
        // (6): every level sorted by date, ties by number.
        return Sort(roots);
    }

    private static List<ImapThreadNode> Prune(List<ImapThreadNode> level, bool atRoot)
    {
        var result = new List<ImapThreadNode>();
        foreach (var node in level)
        {
            var children = Prune(node.Children.ToList(), atRoot: false);
            node.Children.Clear();
            foreach (var child in children)
            {
                child.Parent = node;
                node.Children.Add(child);
            }
            if (!node.IsDummy)
            {
                result.Add(node);
                continue;
            }
            // A dummy without children goes; its children move up, except for several at the root.
            if (node.Children.Count == 0)
                continue;
            if (!atRoot || node.Children.Count == 1)
                result.AddRange(node.Children);
            else
                result.Add(node);
        }
        return result;
    }

    /// <summary>RFC 5256 §2.2 (5): roots whose base subjects are equal join one thread.</summary>
    private static List<ImapThreadNode> GatherBySubject(List<ImapThreadNode> roots)
    {
        static (string Subject, bool Reply) SubjectOf(ImapThreadNode node)
        {
            var message = node.Message ?? node.Children.OrderBy(c => c.SortDate).ThenBy(c => c.SortNumber).First().Message;
            var subject = ImapBaseSubject.Extract(message?.Subject ?? "", out var reply);
            return (subject, reply);
        }
        var table = new Dictionary<string, ImapThreadNode>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            var (subject, reply) = SubjectOf(root);
            if (subject.Length == 0)
                continue;
            if (!table.TryGetValue(subject, out var held)
                || (root.IsDummy && !held.IsDummy)
                || (!held.IsDummy && SubjectOf(held).Reply && !reply))
            {
                table[subject] = root;
            }
        }
        var result = new List<ImapThreadNode>(roots);
        foreach (var root in roots)
        {
            var (subject, reply) = SubjectOf(root);
            if (subject.Length == 0 || !table.TryGetValue(subject, out var held) || held == root || !result.Contains(root))
                continue;
            result.Remove(root);
            if (held.IsDummy && root.IsDummy)
            {
                foreach (var child in root.Children.ToList())
                    held.Adopt(child);
            }
            else if (held.IsDummy)
            {
                held.Adopt(root);
            }
            else if (root.IsDummy)
            {
                result[result.IndexOf(held)] = root;
                root.Adopt(held);
                table[subject] = root;
            }
            else if (!SubjectOf(held).Reply && reply)
            {
                held.Adopt(root);
            }
            else
            {
                var dummy = new ImapThreadNode(0, null);
                result[result.IndexOf(held)] = dummy;
                dummy.Adopt(held);
                dummy.Adopt(root);
                table[subject] = dummy;
            }
        }
        return result;
    }

    private static List<ImapThreadNode> Sort(List<ImapThreadNode> level)
    {
        foreach (var node in level)
        {
            var children = Sort(node.Children);
            node.Children.Clear();
            node.Children.AddRange(children);
        }
        return [.. level.OrderBy(n => n.SortDate).ThenBy(n => n.SortNumber)];
    }

    /// <summary>
    /// RFC 5256 §4 thread-list: "(" thread-members / thread-nested ")", where a single child continues the
    /// chain ("(1 2 3)") and several children are nested lists ("(1 (2)(3))").
    /// </summary>
    public static void Write(ImapResponseWriter output, List<ImapThreadNode> threads)
    {
        output.Raw("* THREAD");
        if (threads.Count > 0)
            output.Raw(" ");
        foreach (var thread in threads)
        {
            output.Raw("(");
            WriteMembers(output, thread);
            output.Raw(")");
        }
        output.Line();
    }

    private static void WriteMembers(ImapResponseWriter output, ImapThreadNode node)
    {
        var first = true;
        if (!node.IsDummy)
        {
            output.Number(node.Number);
            first = false;
        }
        if (node.Children.Count == 1 && !node.IsDummy)
        {
            output.Raw(" ");
            WriteMembers(output, node.Children[0]);
            return;
        }
        if (node.Children.Count > 0 && !first)
            output.Raw(" ");
        foreach (var child in node.Children)
        {
            output.Raw("(");
            WriteMembers(output, child);
            output.Raw(")");
        }
    }
}
