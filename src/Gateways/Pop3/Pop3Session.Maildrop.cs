using System.Text;
using RestMail.Grains.Mailboxes;
using RestMail.Storage.Accounts;

namespace RestMail.Gateways.Pop3;

public sealed partial class Pop3Session
{
    /// <summary>This session's identity as a maildrop lock holder.</summary>
    private readonly Guid _sessionId = Guid.NewGuid();
    private AccountCredentials? _account;
    private Pop3Maildrop? _maildrop;
    private CancellationTokenSource? _leaseRenewal;
    private Task _renewing = Task.CompletedTask;

    /// <summary>
    /// Locks the account's maildrop (RFC 1939 §8; [IN-USE] when another session has it, RFC 2449
    /// §8.1.2) and takes the snapshot of the Inbox this session works on. Returns the response.
    /// </summary>
    private async Task<byte[]> OpenMaildropAsync(AccountCredentials account, CancellationToken ct)
    {
        var maildropLock = _gateway.Grains.GetGrain<IMaildropLockGrain>(account.Id);
        try
        {
            if (!await maildropLock.TryAcquireAsync(_sessionId, Pop3Gateway.MaildropLease))
                return Pop3Replies.InUse;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Pop3StorageFailed(_gateway.Logger, e, _remote);
            return Pop3Replies.TemporaryFailure;
        }
        _account = account;
        try
        {
            _maildrop = await _gateway.Maildrops.LoadInboxAsync(account.Id, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Pop3StorageFailed(_gateway.Logger, e, _remote);
            await CloseMaildropAsync();
            return Pop3Replies.TemporaryFailure;
        }
        _leaseRenewal = new CancellationTokenSource();
        _renewing = RenewLockAsync(maildropLock, account.Id, _leaseRenewal.Token);
        _gateway.Metrics.LoggedIn();
        return Encoding.ASCII.GetBytes(string.Create(
            System.Globalization.CultureInfo.InvariantCulture, $"+OK Maildrop has {_maildrop.Count} messages ({_maildrop.Size} octets)\r\n"));
    }

    /// <summary>Renews the lease well before it runs out, for as long as the session lives.</summary>
    private async Task RenewLockAsync(IMaildropLockGrain maildropLock, long accountId, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Pop3Gateway.MaildropLease / 4, _gateway.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    if (!await maildropLock.TryAcquireAsync(_sessionId, Pop3Gateway.MaildropLease))
                    {
                        Log.Pop3LockLost(_gateway.Logger, accountId);
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next tick tries again; the lease has three more ticks to run.
                    Log.Pop3StorageFailed(_gateway.Logger, e, _remote);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session ended.
        }
    }

    /// <summary>
    /// Releases the maildrop lock when the session ends, however it ends. If the release cannot reach
    /// the grain the lease runs out on its own.
    /// </summary>
    private async Task CloseMaildropAsync()
    {
        if (_account is null)
            return;
        var accountId = _account.Id;
        _account = null;
        _maildrop = null;
        if (_leaseRenewal is not null)
        {
            await _leaseRenewal.CancelAsync();
            await _renewing;
            _leaseRenewal.Dispose();
            _leaseRenewal = null;
        }
        try
        {
            await _gateway.Grains.GetGrain<IMaildropLockGrain>(accountId).ReleaseAsync(_sessionId).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e)
        {
            Log.Pop3StorageFailed(_gateway.Logger, e, _remote);
        }
    }
}
