using System.Net;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// The state of one check_host() run across include and redirect: the client, the sender and the
/// limits of RFC 7208 §4.6.4 (10 DNS-querying terms, 2 void lookups), which hold for the whole run.
/// </summary>
internal sealed class SpfEvaluation(IPAddress client, string sender, string helo)
{
    public const int MaxLookups = 10;
    public const int MaxVoidLookups = 2;

    private int _lookups;
    private int _voidLookups;

    public IPAddress Client { get; } = client;

    public string Sender { get; } = sender;

    public string Helo { get; } = helo;

    public SpfMacroContext MacrosFor(string domain) => new(Sender, domain, Client, Helo);

    /// <summary>Counts a term that queries DNS; the 11th is a permerror.</summary>
    public void CountLookup()
    {
        if (++_lookups > MaxLookups)
            throw new SpfAbortException(SpfResult.PermError);
    }

    /// <summary>Counts an answer without records; the 3rd is a permerror.</summary>
    public void CountIfVoid<T>(DnsLookup<T> lookup)
    {
        if (lookup.IsVoid && ++_voidLookups > MaxVoidLookups)
            throw new SpfAbortException(SpfResult.PermError);
    }
}
