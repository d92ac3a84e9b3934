using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RestMail.Tests.Federation;

/// <summary>
/// A CA made for one test run, and server certificates it issues; the CA's PEM file is what
/// RestMail:Federation:TrustedCaPath points at. Nothing is added to any system trust store.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _files = [];

    public TestCertificateAuthority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=REST Mail test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        PemPath = Path.Combine(Path.GetTempPath(), $"restmail-test-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(PemPath, _ca.ExportCertificatePem());
    }

    /// <summary>The CA certificate (PEM), for RestMail:Federation:TrustedCaPath.</summary>
    public string PemPath { get; }

    /// <summary>A TLS server certificate for <paramref name="dnsName"/>, with its private key, signed by the CA.</summary>
    public X509Certificate2 Issue(string dnsName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(6), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// A certificate for <paramref name="dnsName"/> as the PEM pair RestMail:Tls:CertificatePath and
    /// KeyPath name, as an operator would configure it; deleted with the CA.
    /// </summary>
    public (string CertificatePath, string KeyPath) IssuePem(string dnsName)
    {
        using var certificate = Issue(dnsName);
        var stem = Path.Combine(Path.GetTempPath(), $"restmail-test-{dnsName}-{Guid.NewGuid():N}");
        var (certificatePath, keyPath) = (stem + ".crt", stem + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        _files.Add(certificatePath);
        _files.Add(keyPath);
        return (certificatePath, keyPath);
    }

    public void Dispose()
    {
        _ca.Dispose();
        File.Delete(PemPath);
        foreach (var file in _files)
            File.Delete(file);
    }
}
