namespace RestMail.Gateways.Imap;

/// <summary>
/// An RFC 9051 §9 sequence-set: ranges of message numbers or UIDs where "*" stands for the largest in
/// use, or "$", the saved result of the last SEARCH (RFC 5182).
/// </summary>
public sealed class ImapSequenceSet(IReadOnlyList<(long First, long Last)> ranges)
{
    /// <summary>"*": the largest number in use (resolved when the set is applied).</summary>
    public const long Star = long.MaxValue;

    public static ImapSequenceSet SavedResult { get; } = new([]) { IsSavedResult = true };

    public IReadOnlyList<(long First, long Last)> Ranges { get; } = ranges;

    public bool IsSavedResult { get; private init; }

    /// <summary>Whether <paramref name="value"/> is in the set, "*" meaning <paramref name="largest"/>.</summary>
    public bool Contains(long value, long largest)
    {
        foreach (var (first, last) in Ranges)
        {
            var (a, b) = (Resolve(first, largest), Resolve(last, largest));
            if (a > b)
                (a, b) = (b, a);
            if (value >= a && value <= b)
                return true;
        }
        return false;
    }

    private static long Resolve(long value, long largest) => value == Star ? largest : value;

    /// <summary>Formats numbers as a compact sequence set ("1:3,7").</summary>
    public static string Format(IEnumerable<long> values)
    {
        var sorted = values.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
                j++;
            parts.Add(i == j ? sorted[i].ToString(System.Globalization.CultureInfo.InvariantCulture) : FormattableString.Invariant($"{sorted[i]}:{sorted[j]}"));
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    /// <summary>Formats pairs in the given order without sorting (COPYUID's source and target sets must correspond).</summary>
    public static string FormatOrdered(IEnumerable<long> values) =>
        string.Join(',', values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
