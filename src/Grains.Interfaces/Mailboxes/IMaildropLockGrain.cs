namespace RestMail.Grains.Mailboxes;

/// <summary>
/// The exclusive-access lock on an account's POP3 maildrop (RFC 1939 §8: a maildrop is locked for
/// the duration of a session), keyed by account id. A lease, held in memory only: the holding session
/// renews it while it runs and releases it when it ends; if the gateway process dies the lease simply
/// runs out, and if the silo holding the grain dies the lock dies with it.
/// </summary>
[Alias("RestMail.IMaildropLockGrain")]
public interface IMaildropLockGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Takes the lock for <paramref name="holder"/>, or extends it if that holder already has it.
    /// False when another holder's lease is still running.
    /// </summary>
    [Alias("TryAcquire")]
    Task<bool> TryAcquireAsync(Guid holder, TimeSpan lease);

    /// <summary>Gives the lock up if <paramref name="holder"/> has it; otherwise does nothing.</summary>
    [Alias("Release")]
    Task ReleaseAsync(Guid holder);
}
