using System.Diagnostics.Metrics;

namespace RestMail.Gateways.Pop3;

/// <summary>The POP3 gateway's meter ("RestMail.Pop3"): sessions, logins, messages retrieved and deleted.</summary>
public sealed class Pop3Metrics
{
    public const string MeterName = "RestMail.Pop3";

    private readonly Counter<long> _sessions;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _retrieved;
    private readonly Counter<long> _retrievedBytes;
    private readonly Counter<long> _deleted;

    public Pop3Metrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _sessions = meter.CreateCounter<long>("restmail.pop3.sessions", description: "POP3 connections accepted, by listener.");
        _logins = meter.CreateCounter<long>("restmail.pop3.logins", description: "Successful logins (the maildrop was opened).");
        _authFailures = meter.CreateCounter<long>("restmail.pop3.auth.failures", description: "Failed USER/PASS or AUTH attempts.");
        _retrieved = meter.CreateCounter<long>("restmail.pop3.messages.retrieved", description: "Messages sent in answer to RETR.");
        _retrievedBytes = meter.CreateCounter<long>("restmail.pop3.messages.retrieved.size", unit: "By", description: "Bytes of the messages sent in answer to RETR.");
        _deleted = meter.CreateCounter<long>("restmail.pop3.messages.deleted", description: "Messages expunged in the UPDATE state.");
    }

    public void SessionStarted(string listener) => _sessions.Add(1, new KeyValuePair<string, object?>("listener", listener));

    public void LoggedIn() => _logins.Add(1);

    public void AuthFailed() => _authFailures.Add(1);

    public void Retrieved(long bytes)
    {
        _retrieved.Add(1);
        _retrievedBytes.Add(bytes);
    }

    public void Deleted(int count) => _deleted.Add(count);
}
