namespace RestMail.Gateways.Tls;

/// <summary>
/// The "RestMail:Tls" section: the server certificate every TLS listener presents. Without both
/// paths a self-signed certificate is generated once and kept in &lt;DataDir&gt;/tls/.
/// </summary>
public sealed class TlsOptions
{
    public const string SectionName = "RestMail:Tls";

    /// <summary>PEM certificate (chain) file.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>PEM private key file (PKCS#8, RSA or EC).</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>True when both paths are set: a certificate of the operator's, not the self-signed one.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(CertificatePath) && !string.IsNullOrWhiteSpace(KeyPath);
}
