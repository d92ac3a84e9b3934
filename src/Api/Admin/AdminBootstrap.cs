using Npgsql;
using RestMail.Storage.Accounts;

namespace RestMail.Api.Admin;

/// <summary>
/// Creates the first administrator from the command line (<c>restmail admin bootstrap</c>): the
/// domain if it is missing, then the account as admin — or, if the account exists, makes it admin
/// and sets its password. Safe to run again.
/// </summary>
public static class AdminBootstrap
{
    public static async Task<string> RunAsync(NpgsqlDataSource dataSource, string email, string password, CancellationToken ct)
    {
        if (!MailAddresses.TryNormalizeAddress(email, out var address, out var domain))
            throw new ArgumentException($"'{email}' is not a valid email address.", nameof(email));
        if (DirectoryStore.PasswordProblem(password) is { } problem)
            throw new ArgumentException(problem, nameof(password));

        var directory = new DirectoryStore(dataSource);
        var domainCreated = (await directory.CreateDomainAsync(domain, null, ct)).IsOk;
        var created = await directory.CreateAccountAsync(new NewAccount(address, password, IsAdmin: true), ct);
        if (created.IsOk)
            return $"Created administrator {address} (account {created.Value!.Id}){(domainCreated ? $" and domain {domain}" : "")}.";
        if (created.Status != DirectoryStatus.Conflict)
            throw new InvalidOperationException(created.Error);

        var existing = await directory.GetAccountAsync(address, ct)
            ?? throw new InvalidOperationException(created.Error);
        var updated = await directory.UpdateAccountAsync(existing.Id, new AccountUpdate { Password = password, IsAdmin = true }, ct);
        if (!updated.IsOk)
            throw new InvalidOperationException(updated.Error);
        await new RefreshTokenStore(dataSource, TimeProvider.System).RevokeAllAsync(existing.Id, ct);
        return $"{address} (account {existing.Id}) is now an administrator; its password was set.";
    }
}
