using System.Diagnostics.Metrics;

namespace RestMail.Gateways.Imap;

/// <summary>The IMAP gateway's meter ("RestMail.Imap"): sessions, commands, failed logins, appended messages.</summary>
public sealed class ImapMetrics
{
    public const string MeterName = "RestMail.Imap";

    private readonly Counter<long> _sessions;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _appended;

    public ImapMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _sessions = meter.CreateCounter<long>("restmail.imap.sessions", description: "IMAP connections accepted, by listener.");
        _commands = meter.CreateCounter<long>("restmail.imap.commands", description: "IMAP commands completed, by command and result.");
        _authFailures = meter.CreateCounter<long>("restmail.imap.auth.failures", description: "Failed LOGIN and AUTHENTICATE attempts.");
        _appended = meter.CreateCounter<long>("restmail.imap.messages.appended", description: "Messages stored by APPEND.");
    }

    public void SessionStarted(ImapEndpointKind kind) => _sessions.Add(1, new KeyValuePair<string, object?>("listener", kind.ToString()));

    public void CommandCompleted(string command, string result) =>
        _commands.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("result", result));

    public void AuthFailed() => _authFailures.Add(1);

    public void MessageAppended() => _appended.Add(1);
}
