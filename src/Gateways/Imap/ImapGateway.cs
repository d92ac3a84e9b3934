using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Gateways.Smtp;
using RestMail.Gateways.Tls;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;
using RestMail.Storage.Mail;

namespace RestMail.Gateways.Imap;

/// <summary>What every IMAP session shares: settings, the store, grains, the certificate and the limiters.</summary>
public sealed class ImapGateway(
    IOptions<ImapOptions> options,
    DirectoryStore directory,
    BlobStore blobs,
    MailQueries queries,
    ImapStore store,
    ImapSearchTextIndexer searchTextIndexer,
    IGrainFactory grains,
    ServerCertificate certificate,
    ImapMetrics metrics,
    TimeProvider time,
    ILogger<ImapGateway> logger)
{
    // The SMTP limiter and throttle are protocol-neutral; IMAP keeps its own instances so that the
    // two protocols' counts and bans do not mix.
    private readonly SmtpAuthThrottle _authThrottle = new(
        Microsoft.Extensions.Options.Options.Create(new SmtpOptions { MaxAuthFailures = options.Value.MaxAuthFailures, AuthBanDuration = options.Value.AuthBanDuration }),
        time);

    public ImapOptions Options => options.Value;

    public DirectoryStore Directory => directory;

    public BlobStore Blobs => blobs;

    public MailQueries Queries => queries;

    public ImapStore Store => store;

    public ImapSearchTextIndexer SearchTextIndexer => searchTextIndexer;

    public IGrainFactory Grains => grains;

    public ServerCertificate Certificate => certificate;

    public SmtpConnectionLimiter Connections { get; } = new();

    public SmtpAuthThrottle AuthThrottle => _authThrottle;

    public ImapMetrics Metrics => metrics;

    public TimeProvider Time => time;

    public ILogger Logger => logger;
}
