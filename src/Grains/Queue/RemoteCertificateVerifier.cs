using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace RestMail.Grains.Queue;

/// <summary>
/// Validates a remote server's certificate the way MTA-STS requires (RFC 8461 §4.2): a chain to a
/// trusted root and a name matching the host we meant to reach. Trusted roots are the system's, or
/// only the CA certificates in RestMail:Outbound:TrustedCaPath when that is set (for development
/// and tests with a private CA). Revocation is not checked: mail servers rarely staple, and an
/// online check per delivery would make every delivery depend on the CA's responder.
/// </summary>
internal sealed class RemoteCertificateVerifier
{
    private readonly X509Certificate2Collection _roots;

    public RemoteCertificateVerifier(IOptions<OutboundOptions> options)
    {
        _roots = [];
        if (!string.IsNullOrWhiteSpace(options.Value.TrustedCaPath))
            _roots.ImportFromPemFile(options.Value.TrustedCaPath);
    }

    public bool Verify(X509Certificate? certificate, string expectedHost)
    {
        if (certificate is null)
            return false;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!leaf.MatchesHostname(expectedHost.TrimEnd('.')))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (_roots.Count > 0)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        }
        return chain.Build(leaf);
    }
}
