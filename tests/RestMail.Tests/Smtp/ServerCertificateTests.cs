using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using RestMail.Gateways.Tls;
using RestMail.Storage.Hosting;

namespace RestMail.Tests.Smtp;

public sealed class ServerCertificateTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("rmt-tls-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private ServerCertificate Create(TlsOptions? tls = null) =>
        new(Options.Create(tls ?? new TlsOptions()), Options.Create(new RestMailOptions { DataDir = _dataDir, Hostname = "mail.example.test" }));

    [Fact]
    public void Without_configured_files_a_self_signed_certificate_is_generated_once_and_kept()
    {
        var first = Create().Certificate;
        Assert.True(first.HasPrivateKey);
        Assert.Equal("CN=mail.example.test", first.Subject);
        var file = Path.Combine(_dataDir, "tls", ServerCertificate.SelfSignedFile);
        Assert.True(File.Exists(file));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        var again = Create().Certificate;
        Assert.Equal(first.Thumbprint, again.Thumbprint);
        Assert.True(again.HasPrivateKey);
    }

    [Fact]
    public void Configured_PEM_files_are_used()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=configured.example.test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(_dataDir, "cert.pem");
        var keyPath = Path.Combine(_dataDir, "key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());

        var loaded = Create(new TlsOptions { CertificatePath = certificatePath, KeyPath = keyPath }).Certificate;
        Assert.Equal(certificate.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.HasPrivateKey);
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "tls")));
    }
}
