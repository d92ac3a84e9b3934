using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Gateways.Smtp;
using RestMail.Gateways.Tls;
using RestMail.Storage.Accounts;
using RestMail.Storage.Hosting;
using RestMail.Storage.Mail;

namespace RestMail.Gateways.Pop3;

/// <summary>What every POP3 session shares: settings, the store, grains, the certificate and the limiters.</summary>
public sealed class Pop3Gateway
{
    /// <summary>How long a maildrop lock lasts without renewal: the longest a crashed gateway node keeps an account [IN-USE].</summary>
    public static readonly TimeSpan MaildropLease = TimeSpan.FromMinutes(2);

    private readonly IOptions<Pop3Options> _options;

    public Pop3Gateway(
        IOptions<Pop3Options> options,
        IOptions<RestMailOptions> restMail,
        DirectoryStore directory,
        MailQueries queries,
        Pop3MaildropStore maildrops,
        IGrainFactory grains,
        ServerCertificate certificate,
        Pop3Metrics metrics,
        TimeProvider time,
        ILogger<Pop3Gateway> logger)
    {
        _options = options;
        Hostname = restMail.Value.EffectiveHostname;
        Directory = directory;
        Queries = queries;
        Maildrops = maildrops;
        Grains = grains;
        Certificate = certificate;
        Metrics = metrics;
        Time = time;
        Logger = logger;
        // The SMTP gateway's per-IP counters are protocol-neutral; POP3 keeps its own instances so
        // that its limits (RestMail:Pop3:*) and SMTP's are counted and configured apart.
        Connections = new SmtpConnectionLimiter();
        AuthThrottle = new SmtpAuthThrottle(
            Microsoft.Extensions.Options.Options.Create(new SmtpOptions
            {
                MaxAuthFailures = options.Value.MaxAuthFailures,
                AuthBanDuration = options.Value.AuthBanDuration,
            }),
            time);
    }

    public Pop3Options Options => _options.Value;

    public string Hostname { get; }

    public DirectoryStore Directory { get; }

    public MailQueries Queries { get; }

    public Pop3MaildropStore Maildrops { get; }

    public IGrainFactory Grains { get; }

    public ServerCertificate Certificate { get; }

    public SmtpConnectionLimiter Connections { get; }

    public SmtpAuthThrottle AuthThrottle { get; }

    public Pop3Metrics Metrics { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }
}
