using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using RestMail.Storage.Hosting;

namespace RestMail.Gateways.Tls;

/// <summary>
/// The certificate the TLS listeners present: the configured PEM pair, or a self-signed certificate
/// for the server's host name generated on first use and kept in &lt;DataDir&gt;/tls/ so that clients
/// that pinned it keep trusting it across restarts.
/// </summary>
public sealed class ServerCertificate(IOptions<TlsOptions> tls, IOptions<RestMailOptions> options)
{
    /// <summary>Certificate and key in one file, written with one rename: never a mismatched pair.</summary>
    public const string SelfSignedFile = "selfsigned.pem";
    private readonly Lazy<X509Certificate2> _certificate = new(() => Load(tls.Value, options.Value));
    private readonly Lazy<X509Certificate2Collection> _chain = new(() => LoadChain(tls.Value));
    private SslStreamCertificateContext? _context;

    private static X509Certificate2Collection LoadChain(TlsOptions tls)
    {
        var chain = new X509Certificate2Collection();
        if (!tls.IsConfigured)
            return chain;
        chain.ImportFromPemFile(tls.CertificatePath);
        if (chain.Count > 0)
            chain.RemoveAt(0);
        return chain;
    }

    public X509Certificate2 Certificate => _certificate.Value;

    /// <summary>
    /// The certificates after the first in the configured PEM file (intermediates a public CA requires
    /// servers to send); empty for the self-signed certificate.
    /// </summary>
    public X509Certificate2Collection Chain => _chain.Value;

    /// <summary>
    /// The server side of a TLS handshake on <paramref name="inner"/> (implicit TLS, STARTTLS, STLS),
    /// presenting the certificate with its intermediates: without them a client that knows only the
    /// root (every client, for a public CA's certificate) cannot build the chain.
    /// </summary>
    /// <returns>The TLS stream, owning <paramref name="inner"/>; null when the handshake failed or took
    /// longer than <paramref name="timeout"/> (the connection is then closed).</returns>
    public async Task<SslStream?> AuthenticateAsServerAsync(Stream inner, TimeSpan timeout, CancellationToken shutdown)
    {
        // Built once: it is the chain the handshake sends, and building it means an X509Chain walk.
        _context ??= SslStreamCertificateContext.Create(Certificate, Chain, offline: true);
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        deadline.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _context,
                ClientCertificateRequired = false,
            }, deadline.Token);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync();
            return null;
        }
    }

    private static X509Certificate2 Load(TlsOptions tls, RestMailOptions options)
    {
        if (!string.IsNullOrWhiteSpace(tls.CertificatePath) && !string.IsNullOrWhiteSpace(tls.KeyPath))
            return X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);

        var directory = Path.Combine(options.FullDataDir, "tls");
        var path = Path.Combine(directory, SelfSignedFile);
        if (File.Exists(path))
        {
            try
            {
                return X509Certificate2.CreateFromPemFile(path);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // Damaged: make a new one below.
            }
        }
        Directory.CreateDirectory(directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={options.EffectiveHostname}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(options.EffectiveHostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        var certificatePem = generated.ExportCertificatePem();
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        // Written to a temporary file and renamed, so a concurrent reader never sees half a file;
        // when two processes race, the last rename wins and each keeps using its own valid pair.
        WriteAtomically(path, certificatePem + "\n" + keyPem + "\n");
        return X509Certificate2.CreateFromPem(certificatePem, keyPem);
    }

    private static void WriteAtomically(string path, string contents)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, contents);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }
}
