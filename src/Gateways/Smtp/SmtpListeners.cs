using System.Net.Sockets;
using Microsoft.Extensions.Options;
using RestMail.Storage.Hosting;

namespace RestMail.Gateways.Smtp;

/// <summary>
/// The MX, submission (STARTTLS) and submissions (implicit TLS) listeners. On stop, open sessions
/// answer 421 where they can.
/// </summary>
public sealed class SmtpListeners : MailListeners<SmtpEndpointKind>
{
    /// <summary>The readiness names of the three listeners.</summary>
    public const string SmtpName = "smtp", SubmissionName = "submission", SubmissionsName = "submissions";

    private readonly SmtpGateway _gateway;

    public SmtpListeners(SmtpGateway gateway, IListenerReadiness readiness, IOptions<RestMailOptions> options)
        : base("SMTP", readiness, gateway.Certificate, gateway.Logger)
    {
        _gateway = gateway;
        var settings = options.Value;
        Add(SmtpName, SmtpEndpointKind.Mx, settings.Smtp);
        Add(SubmissionName, SmtpEndpointKind.Submission, settings.Submission);
        Add(SubmissionsName, SmtpEndpointKind.Submissions, settings.Submissions);
    }

    protected override IMailSession CreateSession(SmtpEndpointKind kind, Socket client) => new SmtpSession(_gateway, kind, client);
}
