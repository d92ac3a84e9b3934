using System.Diagnostics.Metrics;

namespace RestMail.Gateways.Smtp;

/// <summary>The SMTP gateway's meter ("RestMail.Smtp"): sessions, messages accepted and refused, AUTH failures.</summary>
public sealed class SmtpMetrics
{
    public const string MeterName = "RestMail.Smtp";

    private readonly Counter<long> _sessions;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _acceptedBytes;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _authFailures;

    public SmtpMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _sessions = meter.CreateCounter<long>("restmail.smtp.sessions", description: "SMTP connections accepted, by listener.");
        _accepted = meter.CreateCounter<long>("restmail.smtp.messages.accepted", description: "Messages answered 250 after DATA or BDAT LAST.");
        _acceptedBytes = meter.CreateCounter<long>("restmail.smtp.messages.accepted.size", unit: "By", description: "Bytes of the messages accepted, Received header included.");
        _refused = meter.CreateCounter<long>("restmail.smtp.messages.refused", description: "Messages refused after their content arrived, by reply code.");
        _authFailures = meter.CreateCounter<long>("restmail.smtp.auth.failures", description: "Failed AUTH attempts.");
    }

    public void SessionStarted(SmtpEndpointKind kind) => _sessions.Add(1, new KeyValuePair<string, object?>("listener", kind.ToString()));

    public void MessageAccepted(long bytes)
    {
        _accepted.Add(1);
        _acceptedBytes.Add(bytes);
    }

    public void MessageRefused(SmtpReplyCode code) => _refused.Add(1, new KeyValuePair<string, object?>("code", (int)code));

    public void AuthFailed() => _authFailures.Add(1);
}
