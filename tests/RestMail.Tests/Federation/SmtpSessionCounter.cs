using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using RestMail.Gateways.Smtp;

namespace RestMail.Tests.Federation;

/// <summary>
/// Counts the sessions one server's MX listener accepts, from that server's own SMTP meter (the
/// meter's scope is the host's meter factory, so three hosts in one process are told apart). A
/// delivery that opened no session on the receiver's MX did not go over SMTP.
/// </summary>
public sealed class SmtpSessionCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _mx;

    public SmtpSessionCounter(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == SmtpMetrics.MeterName && instrument.Name == "restmail.smtp.sessions")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "listener" && tag.Value is nameof(SmtpEndpointKind.Mx))
                    Interlocked.Add(ref _mx, value);
            }
        });
        _listener.Start();
    }

    /// <summary>Sessions on the MX listener since the counter started.</summary>
    public long MxSessions => Interlocked.Read(ref _mx);

    public void Dispose() => _listener.Dispose();
}
