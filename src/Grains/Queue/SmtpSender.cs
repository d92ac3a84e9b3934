using System.Globalization;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using RestMail.Grains.Delivery;
using RestMail.Grains.Federation;
using RestMail.Storage.Hosting;
using RestMail.Storage.Queue;

namespace RestMail.Grains.Queue;

/// <summary>
/// Hands one message to one domain's SMTP servers with MailKit: tries the servers in order until
/// one answers, STARTTLS when offered (opportunistic: any certificate is accepted, as RFC 7435
/// allows, since refusing would only mean sending in plain text), EHLO with RestMail:Hostname,
/// PIPELINING when offered. The outcome is per recipient: 2xx delivered, 4xx deferred, 5xx failed.
/// A REST Mail endpoint announced in the server's EHLO reply (X-RESTMAIL) is passed to
/// <c>advertised</c>; this message still goes over SMTP (docs/federation.md, "Discovery by EHLO").
/// </summary>
internal sealed partial class SmtpSender(
    IOptions<OutboundOptions> options, IOptions<RestMailOptions> host, RemoteCertificateVerifier verifier, ILogger<SmtpSender> logger)
{
    public async Task<IReadOnlyList<RecipientOutcome>> SendAsync(
        MailRoute route, string mailFrom, IReadOnlyList<string> recipients, DeliveryNotifications notifications, MimeMessage message,
        CancellationToken cancellationToken, Action<MailTarget, Uri>? advertised = null)
    {
        string detail = "4.4.1 No mail server could be reached";
        foreach (var target in route.Targets)
        {
            var ehlo = new EhloAdvertisementLog();
            using var client = new OutcomeSmtpClient(ehlo, notifications)
            {
                LocalDomain = host.Value.EffectiveHostname,
                Timeout = (int)options.Value.Timeout.TotalMilliseconds,
                // Opportunistic TLS: an unverifiable certificate is still better than plain text. Under an
                // enforced MTA-STS policy the certificate must be valid for the MX host (RFC 8461 §4.2).
#pragma warning disable CA5359 // Deliberate: opportunistic STARTTLS (RFC 7435) does not authenticate the server.
                ServerCertificateValidationCallback = route.RequireValidatedTls
                    ? (_, certificate, _, _) => verifier.Verify(certificate, target.Host)
                    : AcceptAnyCertificate,
#pragma warning restore CA5359
                CheckCertificateRevocation = false,
            };
            var tls = route.RequireValidatedTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable;
            try
            {
                await client.ConnectAsync(target.Address, target.Port, tls, cancellationToken);
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                detail = e is SmtpCommandException command
                    ? Describe(command.StatusCode, command.Message, target)
                    : $"4.4.1 Connection to {target.Host}[{target.Address}]:{target.Port} failed: {e.Message}";
                LogConnectFailed(target.Host, target.Address, target.Port, e.Message);
                continue;
            }
            if (ehlo.Endpoint is { } endpoint)
                advertised?.Invoke(target, endpoint);

            var sender = new MailboxAddress("", mailFrom);
            var to = recipients.Select(r => new MailboxAddress("", r)).ToList();
            try
            {
                await client.SendAsync(message, sender, to, cancellationToken);
                // RFC 3461 §5.2: a DSN-capable next hop took the requests along and reports itself.
                var onward = client.Capabilities.HasFlag(SmtpCapabilities.Dsn);
                await DisconnectQuietlyAsync(client);
                return [.. recipients.Select(r => client.Rejected.TryGetValue(r, out var rejected)
                    ? Outcome(r, rejected.StatusCode, rejected.Response, target)
                    : new RecipientOutcome(r, RecipientOutcomeKind.Delivered, $"250 ({target.Host}[{target.Address}])", onward))];
            }
            catch (SmtpCommandException e)
            {
                await DisconnectQuietlyAsync(client);
                return [.. recipients.Select(r => client.Rejected.TryGetValue(r, out var rejected)
                    ? Outcome(r, rejected.StatusCode, rejected.Response, target)
                    : Outcome(r, e.StatusCode, e.Message, target))];
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                // The connection broke after it was established: nothing is known to have been accepted.
                detail = $"4.4.2 Connection to {target.Host}[{target.Address}]:{target.Port} lost: {e.Message}";
                LogConnectFailed(target.Host, target.Address, target.Port, e.Message);
            }
        }
        return [.. recipients.Select(r => new RecipientOutcome(r, RecipientOutcomeKind.Deferred, detail))];
    }

#pragma warning disable CA5359 // Deliberate: opportunistic STARTTLS (RFC 7435) does not authenticate the server.
    private static bool AcceptAnyCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors) => true;
#pragma warning restore CA5359

    private static RecipientOutcome Outcome(string recipient, SmtpStatusCode code, string text, MailTarget target)
    {
        var numeric = (int)code;
        var kind = numeric >= 500 ? RecipientOutcomeKind.Failed : numeric >= 400 ? RecipientOutcomeKind.Deferred : RecipientOutcomeKind.Delivered;
        return new RecipientOutcome(recipient, kind, Describe(code, text, target));
    }

    /// <summary>"550 5.1.1 text (host[address])": the reply as the remote server gave it, for the DSN's Diagnostic-Code.</summary>
    private static string Describe(SmtpStatusCode code, string text, MailTarget target) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)code} {text.ReplaceLineEndings(" ").Trim()} ({target.Host}[{target.Address}])");

    private static bool IsConnectionFailure(Exception e) =>
        e is SocketException or IOException or SmtpProtocolException or SmtpCommandException or SslHandshakeException
            or TimeoutException or ServiceNotConnectedException or OperationCanceledException;

    private static async Task DisconnectQuietlyAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
                await client.DisconnectAsync(true);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            // The message's fate is decided; a failed QUIT changes nothing.
        }
    }

    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Outbound connection to {Host}[{Address}]:{Port} failed: {Error}")]
    private partial void LogConnectFailed(string host, string address, int port, string error);

    /// <summary>
    /// Remembers refused recipients instead of giving up on the whole transaction, and passes the
    /// sender's DSN requests (RFC 3461 NOTIFY, ENVID, RET) on to a server that offers DSN. MailKit
    /// writes ORCPT itself, from the recipient address (which the queue never rewrites).
    /// </summary>
    private sealed class OutcomeSmtpClient : SmtpClient
    {
        private readonly DeliveryNotifications _notifications;

        public OutcomeSmtpClient(IProtocolLogger protocolLogger, DeliveryNotifications notifications) : base(protocolLogger)
        {
            _notifications = notifications;
            // Only RET=FULL is remembered; without it the next hop chooses, as it would have for us.
            DeliveryStatusNotificationType = notifications.ReturnFullMessage ? DeliveryStatusNotificationType.Full : DeliveryStatusNotificationType.Unspecified;
        }

        public Dictionary<string, (SmtpStatusCode StatusCode, string Response)> Rejected { get; } = new(StringComparer.Ordinal);

        protected override string? GetEnvelopeId(MimeMessage message) => _notifications.EnvelopeId;

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
            _notifications.For(mailbox.Address).Notify switch
            {
                null => null,
                NotifyOn.None => DeliveryStatusNotification.Never,
                var on => (on.Value.HasFlag(NotifyOn.Success) ? DeliveryStatusNotification.Success : 0)
                    | (on.Value.HasFlag(NotifyOn.Failure) ? DeliveryStatusNotification.Failure : 0)
                    | (on.Value.HasFlag(NotifyOn.Delay) ? DeliveryStatusNotification.Delay : 0),
            };

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected[mailbox.Address] = (response.StatusCode, response.Response);
    }
}
