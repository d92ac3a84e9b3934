using RestMail.Storage.Federation;

namespace RestMail.Gateways.Smtp;

/// <summary>The replies that name the server, encoded once per host name.</summary>
public sealed class SmtpGreetings(string hostname, long maxMessageSize, Uri? federationEndpoint = null)
{
    public string Hostname { get; } = hostname;

    public SmtpReply Banner { get; } = new(SmtpReplyCode.ServiceReady, null, $"{hostname} ESMTP");

    public SmtpReply Bye { get; } = new(SmtpReplyCode.ServiceClosing, "2.0.0", $"{hostname} closing connection");

    public SmtpReply IdleTimeout { get; } = new(SmtpReplyCode.ServiceNotAvailable, "4.4.2", $"{hostname} idle timeout, closing connection");

    public SmtpReply TooManyConnections { get; } = new(SmtpReplyCode.ServiceNotAvailable, "4.7.0", $"{hostname} too many connections from your address");

    public SmtpReply Banned { get; } = new(SmtpReplyCode.ServiceNotAvailable, "4.7.0", $"{hostname} too many failed authentication attempts, try again later");

    public SmtpReply TooManyErrors { get; } = new(SmtpReplyCode.ServiceNotAvailable, "4.7.0", $"{hostname} too many errors, closing connection");

    public SmtpReply Helo { get; } = new(SmtpReplyCode.Ok, null, hostname);

    /// <summary>RFC 5321 §4.1.1.1: the EHLO reply before TLS (STARTTLS offered, AUTH not).</summary>
    public SmtpReply EhloPlain { get; } = Ehlo(hostname, maxMessageSize, tls: false);

    /// <summary>The EHLO reply under TLS: AUTH offered (RFC 4954 §4: PLAIN and LOGIN only over TLS).</summary>
    public SmtpReply EhloTls { get; } = Ehlo(hostname, maxMessageSize, tls: true);

    /// <summary>The MX port's EHLO reply before TLS: with X-RESTMAIL when a federation endpoint is configured (docs/federation.md).</summary>
    public SmtpReply EhloPlainMx { get; } = Ehlo(hostname, maxMessageSize, tls: false, federationEndpoint);

    /// <summary>The MX port's EHLO reply under TLS.</summary>
    public SmtpReply EhloTlsMx { get; } = Ehlo(hostname, maxMessageSize, tls: true, federationEndpoint);

    public SmtpReply ShuttingDown { get; } = new(SmtpReplyCode.ServiceNotAvailable, "4.3.2", $"{hostname} service shutting down");

    private static SmtpReply Ehlo(string hostname, long maxMessageSize, bool tls, Uri? federationEndpoint = null)
    {
        List<string> lines = [hostname, "PIPELINING", $"SIZE {maxMessageSize}", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"];
        lines.Add(tls ? "AUTH PLAIN LOGIN" : "STARTTLS");
        lines.AddRange(["CHUNKING", "DSN", "HELP"]);
        // An X- keyword (RFC 5321 §4.1.5: private extensions start with X); other MTAs ignore it.
        if (federationEndpoint is not null)
            lines.Add(FederationDiscovery.EhloLine(federationEndpoint));
        return new SmtpReply(SmtpReplyCode.Ok, null, lines);
    }
}
