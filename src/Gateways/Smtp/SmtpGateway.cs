using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Gateways.Tls;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;
using RestMail.Storage.Federation;
using RestMail.Storage.Hosting;
using RestMail.Storage.MailAuth;

namespace RestMail.Gateways.Smtp;

/// <summary>What every SMTP session shares: settings, encoded greetings, the store, grains and the limiters.</summary>
public sealed class SmtpGateway(
    IOptions<SmtpOptions> options,
    IOptions<RestMailOptions> restMail,
    IOptions<FederationOptions> federation,
    DirectoryStore directory,
    BlobStore blobs,
    MailAuthenticator mailAuth,
    IGrainFactory grains,
    ServerCertificate certificate,
    SmtpConnectionLimiter connections,
    SmtpAuthThrottle authThrottle,
    SmtpMetrics metrics,
    TimeProvider time,
    ILogger<SmtpGateway> logger)
{
    private SmtpGreetings? _greetings;

    public SmtpOptions Options => options.Value;

    public SmtpGreetings Greetings => _greetings ??= new SmtpGreetings(restMail.Value.EffectiveHostname, options.Value.MaxMessageSize, federation.Value.PublicEndpoint);

    public DirectoryStore Directory => directory;

    public BlobStore Blobs => blobs;

    /// <summary>SPF, DKIM and DMARC for mail from the MX port; the Authentication-Results field for all.</summary>
    public MailAuthenticator MailAuth => mailAuth;

    public IGrainFactory Grains => grains;

    public ServerCertificate Certificate => certificate;

    public SmtpConnectionLimiter Connections => connections;

    public SmtpAuthThrottle AuthThrottle => authThrottle;

    public SmtpMetrics Metrics => metrics;

    public TimeProvider Time => time;

    public ILogger Logger => logger;
}
