namespace RestMail.Storage.Hosting;

/// <summary>
/// Where every enabled listener (HTTP, SMTP, IMAP, POP3, ...) says whether it accepts connections.
/// A listener registers itself as soon as it is configured and marks itself ready once bound;
/// /healthz is healthy only when every registered listener is ready.
/// </summary>
public interface IListenerReadiness
{
    /// <summary>Adds an enabled listener that is not ready yet (no effect if it is already known).</summary>
    void Register(string listener);

    /// <summary>Marks a registered listener ready or not ready.</summary>
    void SetReady(string listener, bool ready);

    /// <summary>Every registered listener with its readiness.</summary>
    IReadOnlyDictionary<string, bool> Snapshot();
}
