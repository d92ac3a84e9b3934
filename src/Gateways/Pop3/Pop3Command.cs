using System.Buffers;
using System.Text;

namespace RestMail.Gateways.Pop3;

/// <summary>The POP3 commands this server knows (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).</summary>
public enum Pop3Verb
{
    Unknown = 0,
    User,
    Pass,
    Apop,
    Auth,
    Capa,
    Stls,
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Quit,
    Top,
    Uidl,
}

/// <summary>
/// A command line split into its keyword and the rest. RFC 1939 §3: keywords are case-insensitive,
/// separated from their arguments by a single space.
/// </summary>
public readonly record struct Pop3Command(Pop3Verb Verb, string Argument)
{
    private static readonly (byte[] Name, Pop3Verb Verb)[] Verbs =
    [
        ("USER"u8.ToArray(), Pop3Verb.User), ("PASS"u8.ToArray(), Pop3Verb.Pass), ("APOP"u8.ToArray(), Pop3Verb.Apop),
        ("AUTH"u8.ToArray(), Pop3Verb.Auth), ("CAPA"u8.ToArray(), Pop3Verb.Capa), ("STLS"u8.ToArray(), Pop3Verb.Stls),
        ("STAT"u8.ToArray(), Pop3Verb.Stat), ("LIST"u8.ToArray(), Pop3Verb.List), ("RETR"u8.ToArray(), Pop3Verb.Retr),
        ("DELE"u8.ToArray(), Pop3Verb.Dele), ("NOOP"u8.ToArray(), Pop3Verb.Noop), ("RSET"u8.ToArray(), Pop3Verb.Rset),
        ("QUIT"u8.ToArray(), Pop3Verb.Quit), ("TOP"u8.ToArray(), Pop3Verb.Top), ("UIDL"u8.ToArray(), Pop3Verb.Uidl),
    ];

    /// <summary>
    /// Parses one line (without its line ending). The argument keeps inner spaces: PASS takes the rest
    /// of the line as the password (RFC 1939 §7 allows spaces in it). Invalid UTF-8 becomes U+FFFD,
    /// which no argument accepts.
    /// </summary>
    public static Pop3Command Parse(ReadOnlySequence<byte> line)
    {
        var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        var space = bytes.IndexOf((byte)' ');
        var name = space < 0 ? bytes : bytes[..space];
        var argument = space < 0 ? "" : Encoding.UTF8.GetString(bytes[(space + 1)..]);
        foreach (var (verbName, verb) in Verbs)
        {
            if (Ascii.EqualsIgnoreCase(name, verbName))
                return new Pop3Command(verb, argument);
        }
        return new Pop3Command(Pop3Verb.Unknown, argument);
    }
}
