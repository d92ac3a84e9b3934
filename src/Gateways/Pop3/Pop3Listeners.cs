using System.Net.Sockets;
using Microsoft.Extensions.Options;
using RestMail.Storage.Hosting;

namespace RestMail.Gateways.Pop3;

/// <summary>
/// The POP3 (STLS, RestMail:Pop3) and POP3S (implicit TLS, RestMail:Pop3s) listeners. On stop, open
/// sessions are cancelled and nothing is deleted (RFC 1939 §6: only QUIT enters the UPDATE state).
/// </summary>
public sealed class Pop3Listeners : MailListeners<string>
{
    /// <summary>The readiness names of the two listeners.</summary>
    public const string Pop3Name = "pop3", Pop3sName = "pop3s";

    private readonly Pop3Gateway _gateway;

    public Pop3Listeners(Pop3Gateway gateway, IListenerReadiness readiness, IOptions<RestMailOptions> options)
        : base("POP3", readiness, gateway.Certificate, gateway.Logger)
    {
        _gateway = gateway;
        Add(Pop3Name, Pop3Name, options.Value.Pop3);
        Add(Pop3sName, Pop3sName, options.Value.Pop3s);
    }

    /// <param name="listener">The listener's name; POP3S speaks TLS from the first byte.</param>
    protected override IMailSession CreateSession(string listener, Socket client) => new Pop3Session(_gateway, listener, listener == Pop3sName, client);
}
