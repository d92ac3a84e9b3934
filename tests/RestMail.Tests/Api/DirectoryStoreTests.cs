using Npgsql;
using RestMail.Api.Admin;
using RestMail.Storage.Accounts;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Api;

public sealed class DirectoryStoreTests(PostgresServer postgres) : IAsyncLifetime
{
    private NpgsqlDataSource _dataSource = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task New_account_gets_six_default_folders_with_distinct_uid_validity()
    {
        var store = new DirectoryStore(_dataSource);
        Assert.True((await store.CreateDomainAsync("folders.test", null, Ct)).IsOk);
        var first = (await store.CreateAccountAsync(new NewAccount("one@folders.test", "password one"), Ct)).Value!;
        var second = (await store.CreateAccountAsync(new NewAccount("two@folders.test", "password two"), Ct)).Value!;

        var folders = await ReadFoldersAsync(first.Id);
        Assert.Equal(
            [("INBOX", "inbox"), ("Sent", "sent"), ("Drafts", "drafts"), ("Trash", "trash"), ("Junk", "junk"), ("Archive", "archive")],
            folders.Select(f => (f.Name, f.Role)));
        Assert.All(folders, f => Assert.Equal(1, f.UidNext));
        var validities = folders.Concat(await ReadFoldersAsync(second.Id)).Select(f => f.UidValidity).ToList();
        Assert.All(validities, v => Assert.InRange(v, 1, uint.MaxValue));
        Assert.Equal(validities.Count, validities.Distinct().Count());
    }

    [Fact]
    public async Task Passwords_are_stored_as_slow_salted_hashes()
    {
        var store = new DirectoryStore(_dataSource);
        Assert.True((await store.CreateDomainAsync("hash.test", null, Ct)).IsOk);
        Assert.True((await store.CreateAccountAsync(new NewAccount("a@hash.test", "same password"), Ct)).IsOk);
        Assert.True((await store.CreateAccountAsync(new NewAccount("b@hash.test", "same password"), Ct)).IsOk);

        var a = (await store.FindCredentialsAsync("A@Hash.Test", Ct))!;
        var b = (await store.FindCredentialsAsync("b@hash.test", Ct))!;

        var parts = a.PasswordHash.Split('$');
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.True(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) >= 210_000);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.NotEqual(a.PasswordHash, b.PasswordHash);
        Assert.True(PasswordHasher.Verify("same password", a.PasswordHash));
        Assert.False(PasswordHasher.Verify("same passwore", a.PasswordHash));
        Assert.False(PasswordHasher.Verify("same password", "pbkdf2-sha256$1$bad$hash"));
        Assert.False(PasswordHasher.Verify("same password", "plain"));
    }

    [Theory]
    [InlineData("User@Example.COM", "user@example.com")]
    [InlineData("  x@bücher.example ", "x@xn--bcher-kva.example")]
    [InlineData("a.b+tag@sub.example.org.", "a.b+tag@sub.example.org")]
    public void Addresses_are_normalised(string input, string expected)
    {
        Assert.True(MailAddresses.TryNormalizeAddress(input, out var address, out _));
        Assert.Equal(expected, address);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-at")]
    [InlineData("@example.com")]
    [InlineData("a@")]
    [InlineData("a@localhost")]
    [InlineData("a b@example.com")]
    [InlineData("a..b@example.com")]
    [InlineData("a@exa mple.com")]
    public void Bad_addresses_are_refused(string input) => Assert.False(MailAddresses.TryNormalizeAddress(input, out _, out _));

    [Fact]
    public async Task Bootstrap_creates_domain_and_admin_then_promotes_and_resets_an_existing_account()
    {
        var message = await AdminBootstrap.RunAsync(_dataSource, "Root@Boot.Test", "first password", Ct);
        Assert.Contains("root@boot.test", message, StringComparison.Ordinal);
        var store = new DirectoryStore(_dataSource);
        var admin = (await store.FindCredentialsAsync("root@boot.test", Ct))!;
        Assert.True(admin.IsAdmin);
        Assert.True(PasswordHasher.Verify("first password", admin.PasswordHash));

        await store.UpdateAccountAsync(admin.Id, new AccountUpdate { IsAdmin = false }, Ct);
        await AdminBootstrap.RunAsync(_dataSource, "root@boot.test", "second password", Ct);

        var again = (await store.FindCredentialsAsync("root@boot.test", Ct))!;
        Assert.Equal(admin.Id, again.Id);
        Assert.True(again.IsAdmin);
        Assert.True(PasswordHasher.Verify("second password", again.PasswordHash));
        Assert.Single(await store.ListAccountsAsync("boot.test", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => AdminBootstrap.RunAsync(_dataSource, "not-an-address", "some password", Ct));
    }

    [Fact]
    public async Task An_address_racing_to_be_both_account_and_alias_ends_up_as_exactly_one()
    {
        var store = new DirectoryStore(_dataSource);
        Assert.True((await store.CreateDomainAsync("race.test", null, Ct)).IsOk);
        var owner = (await store.CreateAccountAsync(new NewAccount("owner@race.test", "owner password"), Ct)).Value!;

        for (var round = 0; round < 5; round++)
        {
            var address = $"contested{round}@race.test";
            var attempts = Enumerable.Range(0, 6).Select(i => i % 2 == 0
                ? store.CreateAccountAsync(new NewAccount(address, "racing password"), Ct).ContinueWith(t => t.Result.IsOk, Ct)
                : store.CreateAliasAsync(address, owner.Id, Ct).ContinueWith(t => t.Result.IsOk, Ct));
            var results = await Task.WhenAll(attempts);

            Assert.Equal(1, results.Count(ok => ok));
        }
    }

    [Fact]
    public async Task Nodes_starting_together_agree_on_one_signing_key()
    {
        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            new RestMail.Api.Auth.SigningKeyProvider(new ServerSettings(_dataSource)).GetAsync(Ct)));

        Assert.Single(keys.Select(k => Convert.ToBase64String(k.Key)).Distinct());
        Assert.Equal(32, keys[0].Key.Length);
    }

    private async Task<List<(string Name, string Role, long UidValidity, long UidNext)>> ReadFoldersAsync(long accountId)
    {
        await using var command = _dataSource.CreateCommand("SELECT name, role, uid_validity, uid_next FROM folders WHERE account_id = $1 ORDER BY id");
        command.Parameters.AddWithValue(accountId);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var folders = new List<(string, string, long, long)>();
        while (await reader.ReadAsync(Ct))
            folders.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        return folders;
    }
}
