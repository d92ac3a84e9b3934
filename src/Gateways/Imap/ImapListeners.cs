using System.Net.Sockets;
using Microsoft.Extensions.Options;
using RestMail.Storage.Hosting;

namespace RestMail.Gateways.Imap;

/// <summary>
/// The IMAP (STARTTLS) and IMAPS (implicit TLS) listeners. On stop, open sessions say BYE where
/// they can.
/// </summary>
public sealed class ImapListeners : MailListeners<ImapEndpointKind>
{
    /// <summary>The readiness names of the two listeners.</summary>
    public const string ImapName = "imap", ImapsName = "imaps";

    private readonly ImapGateway _gateway;

    public ImapListeners(ImapGateway gateway, IListenerReadiness readiness, IOptions<RestMailOptions> options)
        : base("IMAP", readiness, gateway.Certificate, gateway.Logger)
    {
        _gateway = gateway;
        Add(ImapName, ImapEndpointKind.StartTls, options.Value.Imap);
        Add(ImapsName, ImapEndpointKind.ImplicitTls, options.Value.Imaps);
    }

    protected override IMailSession CreateSession(ImapEndpointKind kind, Socket client) => new ImapSession(_gateway, kind, client);
}
