using System.Globalization;

namespace RestMail.Bench.Imap;

/// <summary>
/// Resident memory of a process and its descendants, from /proc. RSS counts a shared page once per
/// process that maps it (Dovecot's thousand imap processes share their code); PSS divides each
/// shared page among the processes that map it, so that the sum over a tree is what the tree costs.
/// </summary>
internal readonly record struct ProcessMemory(int Processes, long RssBytes, long PssBytes)
{
    public static ProcessMemory Of(int pid) => Tree(pid, _ => true);

    /// <summary>The process and its descendants (those <paramref name="include"/> accepts, by command name).</summary>
    public static ProcessMemory Tree(int root, Func<string, bool> include)
    {
        var children = new Dictionary<int, List<int>>();
        var names = new Dictionary<int, string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var close = stat.LastIndexOf(')');
                var parent = int.Parse(stat.AsSpan(close + 2).ToString().Split(' ')[1], CultureInfo.InvariantCulture);
                names[pid] = stat[(stat.IndexOf('(') + 1)..close];
                if (!children.TryGetValue(parent, out var list))
                    children[parent] = list = [];
                list.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited while we looked.
            }
        }
        var total = new ProcessMemory(0, 0, 0);
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            if (children.TryGetValue(pid, out var list))
            {
                foreach (var child in list)
                    pending.Push(child);
            }
            if (pid != root && !include(names.GetValueOrDefault(pid, "")))
                continue;
            var (rss, pss) = Read(pid);
            total = new ProcessMemory(total.Processes + 1, total.RssBytes + rss, total.PssBytes + pss);
        }
        return total;
    }

    private static (long Rss, long Pss) Read(int pid)
    {
        long rss = 0, pss = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (line.StartsWith("Rss:", StringComparison.Ordinal))
                    rss = Kilobytes(line);
                else if (line.StartsWith("Pss:", StringComparison.Ordinal))
                    pss = Kilobytes(line);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Exited while we looked.
        }
        return (rss, pss);
    }

    private static long Kilobytes(string line) =>
        1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    public static ProcessMemory operator -(ProcessMemory a, ProcessMemory b) => new(a.Processes - b.Processes, a.RssBytes - b.RssBytes, a.PssBytes - b.PssBytes);
}
