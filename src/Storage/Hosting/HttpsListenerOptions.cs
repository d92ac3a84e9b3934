namespace RestMail.Storage.Hosting;

/// <summary>
/// RestMail:Https: the REST API, webmail, /healthz and the federation endpoint over TLS (HTTP/1.1 and
/// HTTP/2), with the certificate of RestMail:Tls that the mail listeners present.
/// </summary>
public sealed class HttpsListenerOptions
{
    /// <summary>TCP port; 0 asks the operating system for a free one (tests). 443 in production.</summary>
    public int Port { get; set; } = 8443;

    /// <summary>The address to bind: 0.0.0.0 serves every interface, 127.0.0.1 only this machine.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>
    /// Unset: on exactly when RestMail:Tls names a certificate (an operator who configured one expects
    /// HTTPS; a self-signed one is no use to other servers, which verify it). true: on, with the
    /// self-signed certificate when none is configured. false: off (e.g. a reverse proxy terminates TLS).
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>Whether the listener runs, given whether RestMail:Tls names a certificate.</summary>
    public bool IsEnabled(bool certificateConfigured) => Enabled ?? certificateConfigured;
}
