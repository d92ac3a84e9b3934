using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RestMail.Silo.Hosting;
using RestMail.Storage.Postgres;
using RestMail.Tests.Infrastructure;

namespace RestMail.Tests.Hosting;

/// <summary>The real all-in-one host, in-process, on loopback with an OS-chosen HTTP port.</summary>
public sealed class RestMailHostTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static Action<WebApplicationBuilder> OnTestDatabase(string connectionString) => builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["RestMail:Http:Address"] = "127.0.0.1",
            ["RestMail:Http:Port"] = "0",
            ["RestMail:Https:Address"] = "127.0.0.1",
            ["RestMail:Https:Port"] = "0",
            ["RestMail:Silo:Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["RestMail:Silo:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            // The gateway listeners bind for real: loopback, and ports the OS picks so hosts can run side by side.
            ["RestMail:Smtp:Address"] = "127.0.0.1",
            ["RestMail:Smtp:Port"] = "0",
            ["RestMail:Submission:Address"] = "127.0.0.1",
            ["RestMail:Submission:Port"] = "0",
            ["RestMail:Submissions:Address"] = "127.0.0.1",
            ["RestMail:Submissions:Port"] = "0",
            ["RestMail:Imap:Address"] = "127.0.0.1",
            ["RestMail:Imap:Port"] = "0",
            ["RestMail:Imaps:Address"] = "127.0.0.1",
            ["RestMail:Imaps:Port"] = "0",
            ["RestMail:Pop3:Address"] = "127.0.0.1",
            ["RestMail:Pop3:Port"] = "0",
            ["RestMail:Pop3s:Address"] = "127.0.0.1",
            ["RestMail:Pop3s:Port"] = "0",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
    };

    [Fact]
    public async Task Healthz_answers_200_and_the_host_starts_again_after_a_stop()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        for (var run = 0; run < 2; run++)
        {
            await using var host = await RestMailHost.BuildAsync([], OnTestDatabase(connectionString), Ct);
            Assert.False(host.IsEmbeddedPostgres);
            await host.StartAsync(Ct);

            using var http = new HttpClient { BaseAddress = host.HttpAddresses.Single() };
            using var response = await http.GetAsync("/healthz", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Contains("\"postgres\":{\"status\":\"Healthy\"", body, StringComparison.Ordinal);

            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task Healthz_answers_503_while_postgres_is_stopped_and_200_again_once_it_is_back()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"rmt-health-{Guid.NewGuid():N}");
        var postgresOptions = new EmbeddedPostgresOptions { Directory = directory, Fsync = false, MaxConnections = 50 };
        var server = await EmbeddedPostgres.StartAsync(postgresOptions, Ct);
        try
        {
            await using var host = await RestMailHost.BuildAsync([], OnTestDatabase(server.ConnectionString), Ct);
            await host.StartAsync(Ct);
            using var http = new HttpClient { BaseAddress = host.HttpAddresses.Single() };
            using (var healthy = await http.GetAsync("/healthz", Ct))
                Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);

            await server.StopAsync();

            using var unhealthy = await http.GetAsync("/healthz", Ct);
            var body = await unhealthy.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
            Assert.Contains("\"postgres\":{\"status\":\"Unhealthy\"", body, StringComparison.Ordinal);

            // Back up before the host stops, so that the silo can leave the cluster cleanly.
            server = await EmbeddedPostgres.StartAsync(postgresOptions, Ct);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            HttpStatusCode status;
            while ((status = await HealthStatusAsync(http)) != HttpStatusCode.OK && DateTime.UtcNow < deadline)
                await Task.Delay(100, Ct);
            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            await server.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Healthz_answers_503_while_an_enabled_listener_is_not_ready()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var host = await RestMailHost.BuildAsync([], OnTestDatabase(connectionString), Ct);
        var readiness = host.App.Services.GetRequiredService<RestMail.Storage.Hosting.IListenerReadiness>();
        // A listener of its own: the real ones (smtp, ...) mark themselves ready when they bind.
        readiness.Register("probe");
        await host.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = host.HttpAddresses.Single() };

        using (var waiting = await http.GetAsync("/healthz", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, waiting.StatusCode);
            Assert.Contains("probe", await waiting.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        readiness.SetReady("probe", true);
        using var ready = await http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task With_a_configured_certificate_https_is_on_serves_http2_and_counts_for_healthz()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        using var ca = new RestMail.Tests.Federation.TestCertificateAuthority();
        var (certificatePath, keyPath) = ca.IssuePem("https.host.test");
        await using var host = await RestMailHost.BuildAsync([], builder =>
        {
            OnTestDatabase(connectionString)(builder);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["RestMail:Tls:CertificatePath"] = certificatePath,
                ["RestMail:Tls:KeyPath"] = keyPath,
            });
        }, Ct);
        await host.StartAsync(Ct);
        var https = host.HttpAddresses.Single(a => a.Scheme == Uri.UriSchemeHttps);
        using var issued = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        var expected = issued.Thumbprint;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == expected };
        using var http = new HttpClient(handler) { BaseAddress = https, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await http.GetAsync("/healthz", Ct);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(HttpVersion.Version20, response.Version);
        // /healthz counts it: registered, so a listener that never bound would make the answer 503.
        Assert.True(host.App.Services.GetRequiredService<RestMail.Storage.Hosting.IListenerReadiness>().Snapshot()[RestMailHost.HttpsListenerName]);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Without_a_configured_certificate_https_is_off_unless_asked_for()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var host = await RestMailHost.BuildAsync([], OnTestDatabase(connectionString), Ct);
        await host.StartAsync(Ct);

        Assert.DoesNotContain(host.HttpAddresses, a => a.Scheme == Uri.UriSchemeHttps);
        Assert.True(RestMailHost.HttpsEnabled(host.App.Configuration, RestMailHost.ReadOptions(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["RestMail:Https:Enabled"] = "true" }).Build())));
        await host.StopAsync(Ct);
    }

    private static async Task<HttpStatusCode> HealthStatusAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/healthz", Ct);
        return response.StatusCode;
    }
}
