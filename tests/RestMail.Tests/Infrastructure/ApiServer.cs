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
using RestMail.Storage.Hosting;
using RestMail.Silo.Hosting;

namespace RestMail.Tests.Infrastructure;

/// <summary>
/// The REST API in-process on 127.0.0.1 with a real Kestrel listener, an Orleans silo configured as
/// the host configures it (localhost clustering, grain state in PostgreSQL) and its own fresh database. One per test class (a class fixture); tests make their own
/// domains and accounts with unique names, so they do not depend on each other.
/// </summary>
public class ApiServer(PostgresServer postgres) : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";

    private static int _names;
    private WebApplication? _app;

    public static JsonSerializerOptions Json { get; } = CreateJsonOptions();

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => App.Services;

    public DirectoryStore Directory => Services.GetRequiredService<DirectoryStore>();

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    private WebApplication App => _app ?? throw new InvalidOperationException("The API server is not started.");

    public async ValueTask InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var clusterId = $"api-test-{Guid.NewGuid():N}";
        // The host's own silo setup: localhost clustering, ADO.NET grain storage and reminders in PostgreSQL.
        builder.UseOrleans(silo => silo.UseRestMailPostgres(
            connectionString,
            new SiloHostingOptions { Port = FreePort(), GatewayPort = FreePort(), ClusterId = clusterId, ServiceId = clusterId },
            clusterInPostgres: false));
        builder.Services.AddRestMailStorage(connectionString);
        builder.Services.AddRestMailGrains();
        builder.Services.AddRestMailApi();
        Configure(builder);
        _app = builder.Build();
        _app.MapRestMailApi();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    /// <summary>A hook for fixtures that need different settings.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        RestMailApi.ConfigureJson(options);
        return options;
    }
}
