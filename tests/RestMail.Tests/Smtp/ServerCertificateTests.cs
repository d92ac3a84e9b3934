using System.Net;
using System.Net.Security;
using System.Net.Sockets;
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

    [Fact]
    public async Task The_handshake_sends_the_configured_intermediates_so_a_client_trusting_only_the_root_validates()
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CertificateAuthority("CN=Test Root", rootKey).CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediate = CertificateAuthority("CN=Test Intermediate", intermediateKey)
            .Create(root, now.AddDays(-1), now.AddMonths(6), [1, 2, 3]);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=mail.example.test", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("mail.example.test");
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issuer = intermediate.CopyWithPrivateKey(intermediateKey);
        using var leaf = leafRequest.Create(issuer, now.AddDays(-1), now.AddMonths(3), [4, 5, 6]);
        // As an ACME client writes it: the leaf, then the intermediate; the root stays with the client.
        var certificatePath = Path.Combine(_dataDir, "fullchain.pem");
        var keyPath = Path.Combine(_dataDir, "key.pem");
        File.WriteAllText(certificatePath, leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, leafKey.ExportPkcs8PrivateKeyPem());
        var server = Create(new TlsOptions { CertificatePath = certificatePath, KeyPath = keyPath });

        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = Task.Run(async () =>
        {
            using var connection = await listener.AcceptTcpClientAsync(ct);
            await using var ssl = await server.AuthenticateAsServerAsync(connection.GetStream(), TimeSpan.FromSeconds(30), ct);
            return ssl is not null;
        }, ct);

        using var client = new TcpClient();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint, ct);
        await using var clientSsl = new SslStream(client.GetStream());
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(root);
        var errors = (SslPolicyErrors?)null;
        await clientSsl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "mail.example.test",
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = (_, _, _, e) => (errors = e) == SslPolicyErrors.None,
        }, ct);

        Assert.Equal(SslPolicyErrors.None, errors);
        Assert.True(await accepted);
    }

    private static CertificateRequest CertificateAuthority(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request;
    }
}
