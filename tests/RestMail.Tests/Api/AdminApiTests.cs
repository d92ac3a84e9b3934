using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Api;

public sealed class AdminApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Domain_crud_normalises_names_and_refuses_duplicates_and_bad_names()
    {
        using var admin = await AdminAsync();
        var name = ApiServer.UniqueDomain();

        using var created = await admin.PostAsJsonAsync("/v1/admin/domains", new { name = name.ToUpperInvariant(), quota_bytes = 1000 }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var domain = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(name, domain.GetProperty("name").GetString());
        Assert.Equal(1000, domain.GetProperty("quota_bytes").GetInt64());
        Assert.Equal($"/v1/admin/domains/{name}", created.Headers.Location?.OriginalString);

        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/domains", new { name }, Ct), HttpStatusCode.Conflict);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/domains", new { name = "not a domain" }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/domains", new { quota_bytes = 5 }, Ct), HttpStatusCode.UnprocessableEntity);

        var list = await admin.GetFromJsonAsync<JsonElement>("/v1/admin/domains", Ct);
        Assert.Contains(list.EnumerateArray(), d => d.GetProperty("name").GetString() == name);

        using var patched = await admin.PatchAsJsonAsync($"/v1/admin/domains/{name}", new { quota_bytes = (long?)null }, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await patched.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("quota_bytes").ValueKind);
        await AssertProblemAsync(await admin.PatchAsJsonAsync($"/v1/admin/domains/{name}", new { quota_bytes = -1 }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.PatchAsJsonAsync($"/v1/admin/domains/{name}", new { quota_bytes = "lots" }, Ct), HttpStatusCode.UnprocessableEntity);

        var fetched = await admin.GetFromJsonAsync<JsonElement>($"/v1/admin/domains/{name}", Ct);
        Assert.Equal(JsonValueKind.Null, fetched.GetProperty("quota_bytes").ValueKind);
        await AssertProblemAsync(await admin.GetAsync($"/v1/admin/domains/{ApiServer.UniqueDomain()}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unicode_domains_are_stored_in_idna_form()
    {
        using var admin = await AdminAsync();
        var label = "bücher" + Guid.NewGuid().ToString("N")[..8];

        using var created = await admin.PostAsJsonAsync("/v1/admin/domains", new { name = label + ".test" }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var name = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("name").GetString()!;
        Assert.StartsWith("xn--", name, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/v1/admin/domains/{Uri.EscapeDataString(label + ".test")}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Domain_with_accounts_cannot_be_deleted()
    {
        using var admin = await AdminAsync();
        var account = await server.CreateAccountAsync();

        await AssertProblemAsync(await admin.DeleteAsync($"/v1/admin/domains/{account.Domain}", Ct), HttpStatusCode.Conflict);
        Assert.NotNull(await server.Directory.GetDomainAsync(account.Domain, Ct));
        await AssertProblemAsync(await admin.DeleteAsync($"/v1/admin/domains/{ApiServer.UniqueDomain()}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Account_crud_with_validation_and_conflicts()
    {
        using var admin = await AdminAsync();
        var domain = ApiServer.UniqueDomain();
        Assert.True((await server.Directory.CreateDomainAsync(domain, null, Ct)).IsOk);
        var address = $"Alice@{domain}";

        using var created = await admin.PostAsJsonAsync("/v1/admin/accounts", new { address, password = "a long enough password", quota_bytes = 5000, display_name = "Alice" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var account = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = account.GetProperty("id").GetInt64();
        Assert.Equal($"alice@{domain}", account.GetProperty("address").GetString());
        Assert.Equal(5000, account.GetProperty("quota_bytes").GetInt64());
        Assert.False(account.GetProperty("is_admin").GetBoolean());

        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/accounts", new { address = $"alice@{domain}", password = "a long enough password" }, Ct), HttpStatusCode.Conflict);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/accounts", new { address = $"bob@{domain}", password = "short" }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/accounts", new { address = "bob@" + ApiServer.UniqueDomain(), password = "a long enough password" }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/accounts", new { address = "no-at-sign", password = "a long enough password" }, Ct), HttpStatusCode.UnprocessableEntity);

        var list = await admin.GetFromJsonAsync<JsonElement>($"/v1/admin/accounts?domain={domain}", Ct);
        Assert.Equal(id, Assert.Single(list.EnumerateArray()).GetProperty("id").GetInt64());

        using var patched = await admin.PatchAsJsonAsync($"/v1/admin/accounts/{id}", new { password = "another long password", quota_bytes = (long?)null }, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var after = await patched.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("quota_bytes").ValueKind);
        Assert.Equal("Alice", after.GetProperty("display_name").GetString());
        await server.SignInAsync($"alice@{domain}", "another long password");
        using (var anonymous = server.CreateClient())
        {
            using var old = await anonymous.PostAsJsonAsync("/v1/auth/token", new { username = $"alice@{domain}", password = "a long enough password" }, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/admin/accounts/{id}", Ct)).StatusCode);
        await AssertProblemAsync(await admin.GetAsync($"/v1/admin/accounts/{id}", Ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await admin.DeleteAsync($"/v1/admin/accounts/{id}", Ct), HttpStatusCode.NotFound);
        await AssertProblemAsync(await admin.PatchAsJsonAsync($"/v1/admin/accounts/{id}", new { display_name = "x" }, Ct), HttpStatusCode.NotFound);

        // The domain is empty now and can go.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/admin/domains/{domain}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Admin_cannot_delete_or_demote_themselves()
    {
        var (me, admin) = await server.CreateSignedInAsync(admin: true);
        using var _a = admin;

        await AssertProblemAsync(await admin.DeleteAsync($"/v1/admin/accounts/{me.Id}", Ct), HttpStatusCode.Conflict);
        await AssertProblemAsync(await admin.PatchAsJsonAsync($"/v1/admin/accounts/{me.Id}", new { is_admin = false }, Ct), HttpStatusCode.Conflict);

        Assert.True((await server.Directory.GetAccountAsync(me.Id, Ct))!.IsAdmin);
    }

    [Fact]
    public async Task Account_can_be_promoted_to_admin()
    {
        using var admin = await AdminAsync();
        var (account, user) = await server.CreateSignedInAsync();
        using (user)
            Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/v1/admin/accounts", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/admin/accounts/{account.Id}", new { is_admin = true }, Ct)).StatusCode);

        var token = await server.SignInAsync(account.Address);
        using var promoted = server.CreateClient(token.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await promoted.GetAsync("/v1/admin/accounts", Ct)).StatusCode);
    }

    [Fact]
    public async Task Alias_crud_requires_hosted_domain_and_no_collision_with_accounts()
    {
        using var admin = await AdminAsync();
        var owner = await server.CreateAccountAsync();
        var other = await server.CreateAccountAsync(domain: owner.Domain);
        var alias = $"Sales@{owner.Domain}";

        using var created = await admin.PostAsJsonAsync("/v1/admin/aliases", new { address = alias, account_id = owner.Id }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal(alias.ToLowerInvariant(), body.GetProperty("address").GetString());
        Assert.Equal(owner.Address, body.GetProperty("account_address").GetString());

        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/aliases", new { address = alias, account_id = other.Id }, Ct), HttpStatusCode.Conflict);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/aliases", new { address = other.Address, account_id = owner.Id }, Ct), HttpStatusCode.Conflict);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/aliases", new { address = "x@" + ApiServer.UniqueDomain(), account_id = owner.Id }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/aliases", new { address = $"y@{owner.Domain}", account_id = long.MaxValue }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/aliases", new { address = $"y@{owner.Domain}" }, Ct), HttpStatusCode.UnprocessableEntity);

        // An account cannot take an alias's address either.
        await AssertProblemAsync(await admin.PostAsJsonAsync("/v1/admin/accounts", new { address = alias, password = "a long enough password" }, Ct), HttpStatusCode.Conflict);

        using var retargeted = await admin.PatchAsJsonAsync($"/v1/admin/aliases/{id}", new { target = other.Address }, Ct);
        Assert.Equal(HttpStatusCode.OK, retargeted.StatusCode);
        Assert.Equal(other.Id, (await retargeted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("account_id").GetInt64());

        var ofOther = await admin.GetFromJsonAsync<JsonElement>($"/v1/admin/aliases?account_id={other.Id}", Ct);
        Assert.Equal(id, Assert.Single(ofOther.EnumerateArray()).GetProperty("id").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/admin/aliases/{id}", Ct)).StatusCode);
        await AssertProblemAsync(await admin.GetAsync($"/v1/admin/aliases/{id}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Domain_settings_go_through_the_domain_grain_and_set_new_account_quotas()
    {
        using var admin = await AdminAsync();
        var domain = ApiServer.UniqueDomain();
        Assert.True((await server.Directory.CreateDomainAsync(domain, null, Ct)).IsOk);

        var defaults = await (await admin.GetAsync($"/v1/admin/domains/{domain}/settings", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(50L * 1024 * 1024, defaults.GetProperty("max_message_bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, defaults.GetProperty("default_account_quota_bytes").ValueKind);

        var saved = await (await admin.PutAsJsonAsync($"/v1/admin/domains/{domain}/settings",
            new { default_account_quota_bytes = 4096, max_message_bytes = 1000000, catch_all_address = $"Postmaster@{domain}" }, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal($"postmaster@{domain}", saved.GetProperty("catch_all_address").GetString());
        var read = await (await admin.GetAsync($"/v1/admin/domains/{domain}/settings", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(4096, read.GetProperty("default_account_quota_bytes").GetInt64());

        var account = await (await admin.PostAsJsonAsync("/v1/admin/accounts", new { address = $"new@{domain}", password = "a long enough password" }, Ct)).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(4096, account.GetProperty("quota_bytes").GetInt64());

        await AssertProblemAsync(await admin.PutAsJsonAsync($"/v1/admin/domains/{domain}/settings", new { max_message_bytes = 0 }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.PutAsJsonAsync($"/v1/admin/domains/{domain}/settings", new { catch_all_address = "nope" }, Ct), HttpStatusCode.UnprocessableEntity);
        await AssertProblemAsync(await admin.GetAsync($"/v1/admin/domains/{ApiServer.UniqueDomain()}/settings", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_an_account_releases_its_blobs()
    {
        using var admin = await AdminAsync();
        var account = await server.CreateAccountAsync();
        var delivered = await server.DeliverAsync(account.Id, RestMail.Tests.Mailboxes.TestMessages.Plain("to be released " + Guid.NewGuid()));
        await server.Grains.GetGrain<RestMail.Grains.Mailboxes.IMailboxGrain>(account.Id).CopyAsync([delivered.MessageId], delivered.FolderId);
        await using var segments = server.DataSource.CreateCommand("SELECT segments FROM messages WHERE id = $1");
        segments.Parameters.AddWithValue(delivered.MessageId);
        var hashes = (byte[][])(await segments.ExecuteScalarAsync(Ct))!;
        Assert.Equal([2L], await RefcountsAsync(hashes));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/admin/accounts/{account.Id}", Ct)).StatusCode);

        Assert.Equal([0L], await RefcountsAsync(hashes));
    }

    private async Task<List<long>> RefcountsAsync(byte[][] hashes)
    {
        await using var command = server.DataSource.CreateCommand("SELECT DISTINCT refcount FROM blobs WHERE hash = ANY($1)");
        command.Parameters.AddWithValue(hashes);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var counts = new List<long>();
        while (await reader.ReadAsync(Ct))
            counts.Add(reader.GetInt64(0));
        return counts;
    }

    private async Task<HttpClient> AdminAsync() => (await server.CreateSignedInAsync(admin: true)).Client;

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        }
    }
}
