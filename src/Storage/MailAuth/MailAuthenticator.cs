using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using RestMail.Storage.Hosting;

namespace RestMail.Storage.MailAuth;

/// <summary>
/// The inbound message authentication of REST Mail: SPF, DKIM and DMARC for one message, under one
/// time limit, turned into the Authentication-Results field that is put on top of the message.
/// Shared by the SMTP gateway and, later, the federation receiver.
/// </summary>
public sealed partial class MailAuthenticator(
    SpfChecker spf,
    DkimChecker dkim,
    DmarcChecker dmarc,
    IOptions<MailAuthOptions> options,
    IOptions<RestMailOptions> restMail,
    ILogger<MailAuthenticator> logger)
{
    /// <summary>The authserv-id of our Authentication-Results fields (RFC 8601 §2.5): RestMail:Hostname.</summary>
    public string AuthservId => restMail.Value.EffectiveHostname;

    /// <summary>
    /// Runs all checks; never throws for DNS trouble, a timeout or a fault in a check, which all
    /// become temperror (only the caller's own cancellation ends it).
    /// </summary>
    /// <param name="client">The SMTP client's address.</param>
    /// <param name="helo">Its HELO/EHLO name.</param>
    /// <param name="mailFrom">The reverse-path, empty for the null sender.</param>
    /// <param name="message">The message as received (headers and body).</param>
    public Task<MailAuthReport> CheckAsync(IPAddress client, string helo, string mailFrom, ReadOnlyMemory<byte> message, CancellationToken ct) =>
        CheckAsync(StartSpf(client, helo, mailFrom, ct), message, ct);

    /// <summary>
    /// Starts the SPF check alone, under its own time limit: it needs only the envelope (RFC 7208
    /// §2.4), so the SMTP gateway starts it at the first RCPT and its DNS lookups overlap the rest
    /// of the transaction. Like <see cref="CheckAsync(IPAddress, string, string, ReadOnlyMemory{byte}, CancellationToken)"/>
    /// it fails only when <paramref name="ct"/> is cancelled.
    /// </summary>
    public Task<SpfVerdict> StartSpf(IPAddress client, string helo, string mailFrom, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(helo);
        ArgumentNullException.ThrowIfNull(mailFrom);
        return WithinLimitAsync(
            async () =>
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(options.Value.Timeout);
                return await spf.CheckAsync(client, mailFrom, helo, limit.Token);
            },
            () => SpfChecker.Unfinished(mailFrom, helo),
            ct);
    }

    /// <summary>Finishes the checks of a message whose SPF check <see cref="StartSpf"/> began.</summary>
    public async Task<MailAuthReport> CheckAsync(Task<SpfVerdict> spfTask, ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spfTask);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(options.Value.Timeout);

        var parsed = await ParseAsync(message, ct);
        var dkimTask = parsed is null
            ? Task.FromResult<IReadOnlyList<DkimSignatureVerdict>>([])
            : WithinLimitAsync(() => dkim.VerifyAsync(parsed, limit.Token), () => DkimChecker.Unverified(parsed, DkimResult.TempError), ct);
        var spfVerdict = await spfTask;
        var dkimVerdicts = await dkimTask;

        var fromDomain = FromDomain(parsed);
        DmarcVerdict dmarcVerdict;
        if (fromDomain is null)
            dmarcVerdict = new DmarcVerdict(parsed is null ? DmarcResult.None : FromProblem(parsed), null);
        else
            dmarcVerdict = await WithinLimitAsync(
                () => dmarc.CheckAsync(fromDomain, spfVerdict, dkimVerdicts, limit.Token),
                () => new DmarcVerdict(DmarcResult.TempError, fromDomain),
                ct);
        return new MailAuthReport(spfVerdict, dkimVerdicts, dmarcVerdict);
    }

    /// <summary>The Authentication-Results field for a message from the MX port.</summary>
    public string InboundField(MailAuthReport report) => AuthenticationResultsField.ForInbound(AuthservId, report);

    /// <summary>The Authentication-Results field for authenticated submission (no SPF/DKIM/DMARC: the sender proved who it is).</summary>
    public string SubmissionField(string user) => AuthenticationResultsField.ForSubmission(AuthservId, user);

    /// <summary>
    /// Runs a check; when the time limit (not the caller) cancels it, or it fails unexpectedly, the
    /// fallback verdict stands in: a fault in a check must not cost the message (a 4xx would be
    /// retried into the same fault until the sender gives up).
    /// </summary>
    private async Task<T> WithinLimitAsync<T>(Func<Task<T>> check, Func<T> fallback, CancellationToken ct)
    {
        try
        {
            return await check();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return fallback();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed(e);
            return fallback();
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Error, Message = "An inbound authentication check failed unexpectedly; recorded as temperror")]
    private partial void LogCheckFailed(Exception exception);

    /// <summary>
    /// RFC 7489 §6.6.1: DMARC needs exactly one author domain. None at all is "none"; several
    /// different ones cannot be evaluated ("permerror").
    /// </summary>
    private static string? FromDomain(MimeMessage? message)
    {
        if (message is null)
            return null;
        var domains = message.From.Mailboxes.Select(m => m.Domain.ToLowerInvariant()).Where(d => d.Length > 0).Distinct().ToList();
        return domains.Count == 1 ? domains[0] : null;
    }

    private static DmarcResult FromProblem(MimeMessage message) =>
        message.From.Mailboxes.Any() ? DmarcResult.PermError : DmarcResult.None;

    private async Task<MimeMessage?> ParseAsync(ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        var bytes = MemoryMarshal.TryGetArray(message, out var segment) ? segment : new ArraySegment<byte>(message.ToArray());
        using var stream = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false);
        try
        {
            return await MimeMessage.LoadAsync(stream, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unparseable: no signatures and no author to check; SPF still runs on the envelope.
            LogCheckFailed(e);
            return null;
        }
    }
}
