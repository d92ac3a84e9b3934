using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using RestMail.Storage.Hosting;
using RestMail.Storage.Postgres;

namespace RestMail.Silo.Hosting;

/// <summary>
/// The PostgreSQL database REST Mail runs on: the server named by ConnectionStrings:Postgres, or,
/// when there is none, a private embedded cluster under &lt;data dir&gt;/postgres that lives exactly as
/// long as this object. Opening it also brings the schema up to date.
/// </summary>
public sealed class RestMailDatabase : IAsyncDisposable
{
    public const string ConnectionStringName = "Postgres";

    private readonly ILogger _logger;
    private EmbeddedPostgres? _embedded;

    private RestMailDatabase(string connectionString, EmbeddedPostgres? embedded, ILogger logger)
    {
        ConnectionString = connectionString;
        _embedded = embedded;
        _logger = logger;
    }

    public string ConnectionString { get; }

    /// <summary>True when this process runs its own PostgreSQL (no connection string configured).</summary>
    public bool IsEmbedded => _embedded is not null;

    /// <summary>The connection string from configuration, or null for embedded mode.</summary>
    public static string? ConfiguredConnectionString(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString(ConnectionStringName);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>Connects to (or starts) the database and applies pending migrations.</summary>
    /// <exception cref="PostgresBinariesMissingException">Embedded mode without installed PostgreSQL binaries.</exception>
    public static async Task<RestMailDatabase> OpenAsync(IConfiguration configuration, RestMailOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var connectionString = ConfiguredConnectionString(configuration);
        EmbeddedPostgres? embedded = null;
        if (connectionString is null)
        {
            var binDir = string.IsNullOrWhiteSpace(options.Postgres.BinDir) ? null : options.Postgres.BinDir;
            if (PostgresBinaries.Find(binDir) is null)
                throw new PostgresBinariesMissingException();
            var directory = Path.Combine(options.FullDataDir, "postgres");
            Log.StartingEmbeddedPostgres(logger, directory);
            embedded = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Directory = directory, BinDirectory = binDir }, cancellationToken);
            Log.EmbeddedPostgresStarted(logger, embedded.SocketDirectory);
            connectionString = embedded.ConnectionString;
        }
        else
        {
            var parsed = new NpgsqlConnectionStringBuilder(connectionString);
            Log.UsingExternalPostgres(logger, parsed.Host, parsed.Database);
        }

        var database = new RestMailDatabase(connectionString, embedded, logger);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var applied = await Migrator.MigrateAsync(dataSource, cancellationToken);
            if (applied.Count > 0)
                Log.MigrationsApplied(logger, string.Join(", ", applied));
            else
                Log.MigrationsUpToDate(logger);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the embedded PostgreSQL, if this process started one. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        var embedded = Interlocked.Exchange(ref _embedded, null);
        if (embedded is null)
            return;
        Log.StoppingEmbeddedPostgres(_logger);
        try
        {
            await embedded.StopAsync();
        }
        catch (InvalidOperationException e)
        {
            // pg_ctl refused (e.g. the server already went down with the terminal's Ctrl-C): nothing left to stop.
            Log.EmbeddedPostgresStopFailed(_logger, e);
        }
    }
}
