using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RestMail.Api;
using RestMail.Gateways;
using RestMail.Gateways.Tls;
using RestMail.Grains;
using RestMail.Silo.Health;
using RestMail.Storage;
using RestMail.Storage.Hosting;

namespace RestMail.Silo.Hosting;

/// <summary>
/// The all-in-one REST Mail process: PostgreSQL (configured or embedded), the Orleans silo, the
/// HTTP API with /healthz, and the protocol gateways. <see cref="BuildAsync"/> prepares the
/// database (starting the embedded one if needed, migrating) and builds the web application;
/// disposing stops the application and then the embedded PostgreSQL.
/// </summary>
public sealed class RestMailHost : IAsyncDisposable
{
    /// <summary>The name under which HTTP reports its readiness.</summary>
    public const string HttpListenerName = "http";

    /// <summary>The name under which HTTPS reports its readiness (when it runs).</summary>
    public const string HttpsListenerName = "https";

    private readonly RestMailDatabase _database;
    private bool _started;
    private bool _disposed;

    private RestMailHost(WebApplication app, RestMailDatabase database)
    {
        App = app;
        _database = database;
    }

    public WebApplication App { get; }

    /// <summary>The PostgreSQL connection string the host runs on.</summary>
    public string ConnectionString => _database.ConnectionString;

    /// <summary>True when the host runs its own PostgreSQL under the data directory.</summary>
    public bool IsEmbeddedPostgres => _database.IsEmbedded;

    /// <summary>The HTTP and HTTPS addresses Kestrel listens on (known after start; port 0 resolved).</summary>
    public IReadOnlyList<Uri> HttpAddresses =>
        App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).ToList() ?? [];

    /// <summary>
    /// Builds the host from command-line style configuration arguments (<c>--RestMail:Http:Port=8081</c>,
    /// <c>--data-dir DIR</c>) plus appsettings.json and environment variables. <paramref name="configure"/>
    /// runs after the standard configuration sources are in place, before anything is read from them.
    /// </summary>
    /// <exception cref="PostgresBinariesMissingException">Embedded mode without installed PostgreSQL binaries.</exception>
    /// <exception cref="OptionsValidationException">The RestMail section is invalid.</exception>
    public static async Task<RestMailHost> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships next to the binary; the working directory is the user's (./data lives there).
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddCommandLine(args, CommandLineSwitches);
        configure?.Invoke(builder);

        var options = ReadOptions(builder.Configuration);
        if (options.Role == ServerRole.Gateway && RestMailDatabase.ConfiguredConnectionString(builder.Configuration) is null)
            throw new InvalidOperationException(
                "RestMail:Role=Gateway needs ConnectionStrings:Postgres: a gateway finds the silos through the cluster table in that database.");
        RestMailDatabase database;
        using (var bootstrapLogging = CreateBootstrapLogging(builder.Configuration))
        {
            database = await RestMailDatabase.OpenAsync(builder.Configuration, options, bootstrapLogging.CreateLogger("RestMail.Silo"), cancellationToken);
        }

        try
        {
            ConfigureServices(builder, options, database);
            var app = builder.Build();
            ConfigurePipeline(app);
            return new RestMailHost(app, database);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Command-line switches that map to configuration keys.</summary>
    public static IDictionary<string, string> CommandLineSwitches { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "RestMail:DataDir",
    };

    /// <summary>Binds and validates the RestMail section the same way the running host does.</summary>
    public static RestMailOptions ReadOptions(IConfiguration configuration)
    {
        var options = new RestMailOptions();
        configuration.GetSection(RestMailOptions.SectionName).Bind(options);
        var result = new RestMailOptionsValidator().Validate(null, options);
        if (result.Failed)
            throw new OptionsValidationException(RestMailOptions.SectionName, typeof(RestMailOptions), result.Failures);
        return options;
    }

    /// <summary>Whether the HTTPS listener runs: RestMail:Https:Enabled, or by default when RestMail:Tls names a certificate.</summary>
    public static bool HttpsEnabled(IConfiguration configuration, RestMailOptions options) =>
        options.Https.IsEnabled(configuration.GetSection(TlsOptions.SectionName).Get<TlsOptions>()?.IsConfigured ?? false);

    /// <summary>A console logger for the steps that run before the application's own logging exists.</summary>
    public static ILoggerFactory CreateBootstrapLogging(IConfiguration configuration) =>
        LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddSimpleConsole(c => c.SingleLine = true));

    private static void ConfigureServices(WebApplicationBuilder builder, RestMailOptions options, RestMailDatabase database)
    {
        builder.Services.AddOptions<RestMailOptions>().BindConfiguration(RestMailOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RestMailOptions>, RestMailOptionsValidator>();

        var https = HttpsEnabled(builder.Configuration, options);
        var readiness = new ListenerReadiness();
        readiness.Register(HttpListenerName);
        if (https)
            readiness.Register(HttpsListenerName);
        builder.Services.AddSingleton<IListenerReadiness>(readiness);

        builder.Services.AddRestMailTls();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.Http.Address), options.Http.Port);
            if (!https)
                return;
            kestrel.Listen(IPAddress.Parse(options.Https.Address), options.Https.Port, listen =>
            {
                // HTTP/2 is negotiated through ALPN; federation senders ask for it (one connection, many deliveries).
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                // The mail listeners' certificate: one to configure and renew. Loaded here, so a bad path stops the start.
                var certificate = kestrel.ApplicationServices.GetRequiredService<ServerCertificate>();
                listen.UseHttps(tls =>
                {
                    tls.ServerCertificate = certificate.Certificate;
                    tls.ServerCertificateChain = certificate.Chain;
                });
            });
        });

        builder.Services.AddRestMailStorage(database.ConnectionString);
        if (options.Role == ServerRole.Gateway)
        {
            builder.UseOrleansClient(client => client.UseRestMailPostgres(database.ConnectionString, options.Silo));
        }
        else
        {
            builder.UseOrleans(silo => silo.UseRestMailPostgres(database.ConnectionString, options.Silo, clusterInPostgres: !database.IsEmbedded));
            builder.Services.AddRestMailGrains();
            builder.Services.AddRestMailApi();
        }
        if (options.Role != ServerRole.Silo)
            builder.Services.AddRestMailGateways();

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres")
            .AddCheck<ListenersHealthCheck>("listeners");
    }

    private static void ConfigurePipeline(WebApplication app)
    {
        var readiness = app.Services.GetRequiredService<IListenerReadiness>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        // Kestrel has bound every endpoint (or failed the start) before ApplicationStarted.
        var https = readiness.Snapshot().ContainsKey(HttpsListenerName);
        lifetime.ApplicationStarted.Register(() =>
        {
            readiness.SetReady(HttpListenerName, true);
            if (https)
                readiness.SetReady(HttpsListenerName, true);
            var options = app.Services.GetRequiredService<IOptions<RestMailOptions>>().Value;
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RestMail.Silo");
            Log.Serving(logger, options.EffectiveHostname, string.Join(", ", app.Urls));
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            readiness.SetReady(HttpListenerName, false);
            if (https)
                readiness.SetReady(HttpsListenerName, false);
        });

        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        if (app.Services.GetRequiredService<IOptions<RestMailOptions>>().Value.Role != ServerRole.Gateway)
            app.MapRestMailApi();
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new Dictionary<string, object?>
        {
            ["status"] = report.Status.ToString(),
            ["checks"] = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _started = true;
        await App.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            _started = false;
            await App.StopAsync(cancellationToken);
        }
    }

    /// <summary>Runs until Ctrl-C or SIGTERM, then stops the application and the embedded PostgreSQL.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _started = true;
            await App.StartAsync(cancellationToken);
            // Returns after Ctrl-C/SIGTERM (or the token), once the application has stopped.
            await App.WaitForShutdownAsync(cancellationToken);
            _started = false;
        }
        finally
        {
            await DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            await StopAsync();
            await App.DisposeAsync();
        }
        finally
        {
            await _database.DisposeAsync();
        }
    }
}
