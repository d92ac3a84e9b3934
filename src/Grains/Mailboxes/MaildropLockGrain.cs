using RestMail.Grains.Mailboxes;

namespace RestMail.Grains.Mailboxes;

/// <summary>
/// A lease in memory, not persisted: a lock that outlived the silo holding it would outlive the
/// sessions it protects too (they died with their TCP connections or were cut off from the grain).
/// </summary>
internal sealed class MaildropLockGrain(TimeProvider time) : Grain, IMaildropLockGrain
{
    private Guid _holder;
    private DateTimeOffset _expires;

    public Task<bool> TryAcquireAsync(Guid holder, TimeSpan lease)
    {
        var now = time.GetUtcNow();
        if (_holder != Guid.Empty && _holder != holder && now < _expires)
            return Task.FromResult(false);
        _holder = holder;
        _expires = now + lease;
        return Task.FromResult(true);
    }

    public Task ReleaseAsync(Guid holder)
    {
        if (_holder == holder)
        {
            _holder = Guid.Empty;
            DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }
}
