using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RestMail.Api;
using RestMail.Grains;
using RestMail.Grains.Mailboxes;
using RestMail.Storage;
using RestMail.Storage.Accounts;
using RestMail.Storage.Blobs;

using RestMail.Silo.Hosting;
using RestMail.Tests.Hosting;

namespace RestMail.Tests.Infrastructure;

/// <summary>
/// The REST API in-process on 127.0.0.1 with a real Kestrel listener, an Orleans silo on localhost
/// clustering and its own fresh database. One per test class (a class fixture); tests make their own
/// domains and accounts with unique names, so they do not depend on each other.
/// </summary>
public class ApiServer(PostgresServer postgres) : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";

    private static int _names;
    private RestMailHost? _host;
    private string _connectionString = "";

    public static JsonSerializerOptions Json { get; } = CreateJsonOptions();

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => App.Services;

    public DirectoryStore Directory => Services.GetRequiredService<DirectoryStore>();

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    private WebApplication App => _host?.App ?? throw new InvalidOperationException("The API server is not started.");

    public virtual async ValueTask InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync();
        await StartHostAsync();
    }

    /// <summary>The real host (silo, ADO.NET grain storage, API) on this class's database, on a free port.</summary>
    private async Task StartHostAsync()
    {
        _host = await RestMailHost.BuildAsync([], builder =>
        {
            RestMailHostTests.OnTestDatabase(_connectionString)(builder);
            Configure(builder);
        });
        await _host.StartAsync();
        // Plain HTTP; the HTTPS listener (RestMail:Https) runs beside it when a fixture configures a certificate.
        BaseAddress = _host.HttpAddresses.First(a => a.Scheme == Uri.UriSchemeHttp);
    }

    /// <summary>Stops the whole host and starts a new one on the same database: nothing may be lost.</summary>
    public async Task RestartAsync()
    {
        await _host!.DisposeAsync();
        await StartHostAsync();
    }

    /// <summary>A hook for fixtures that need different settings.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_host is not null)
            await _host.DisposeAsync();
    }

    /// <summary>A client with no credentials.</summary>
    public HttpClient CreateClient(string? accessToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (accessToken is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>A domain name no other test uses.</summary>
    public static string UniqueDomain() => $"d{Interlocked.Increment(ref _names)}-{Guid.NewGuid():N}"[..20] + ".test";

    /// <summary>Creates a fresh domain and account directly in the store.</summary>
    public async Task<AccountRecord> CreateAccountAsync(bool admin = false, long? quotaBytes = null, string? domain = null)
    {
        domain ??= UniqueDomain();
        if (await Directory.GetDomainAsync(domain, default) is null)
            Assert.True((await Directory.CreateDomainAsync(domain, null, default)).IsOk);
        var result = await Directory.CreateAccountAsync(new NewAccount($"user{Interlocked.Increment(ref _names)}@{domain}", Password, "Test User", quotaBytes, admin), default);
        Assert.True(result.IsOk, result.Error);
        return result.Value!;
    }

    /// <summary>Signs in through POST /v1/auth/token and returns the token response.</summary>
    public async Task<JsonElement> SignInAsync(string address, string password = Password)
    {
        using var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/v1/auth/token", new { username = address, password }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    /// <summary>A new account (admin or not) and a client signed in as it.</summary>
    public async Task<(AccountRecord Account, HttpClient Client)> CreateSignedInAsync(bool admin = false, string? domain = null)
    {
        var account = await CreateAccountAsync(admin, domain: domain);
        var token = await SignInAsync(account.Address);
        return (account, CreateClient(token.GetProperty("access_token").GetString()));
    }

    /// <summary>Stores a raw message and delivers it into the account's Inbox (or a folder) through the mailbox grain.</summary>
    public async Task<DeliveryResult> DeliverAsync(long accountId, byte[] raw, long? folderId = null)
    {
        var content = await Services.GetRequiredService<BlobStore>().StoreAsync(raw, TestContext.Current.CancellationToken);
        var result = await Grains.GetGrain<IMailboxGrain>(accountId).DeliverAsync(new DeliveryRequest { Content = content, FolderId = folderId });
        Assert.Equal(DeliveryStatus.Stored, result.Status);
        return result;
    }


    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        RestMailApi.ConfigureJson(options);
        return options;
    }
}
