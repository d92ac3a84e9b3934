using Npgsql;
using RestMail.Storage.Postgres;

[assembly: AssemblyFixture(typeof(RestMail.Tests.Infrastructure.PostgresServer))]

namespace RestMail.Tests.Infrastructure;

/// <summary>
/// One private PostgreSQL cluster for the whole test run. Each test class asks for a fresh
/// database cloned from a migrated template, so classes stay independent and run in parallel.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Template = "restmail_template";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"rmt-{Environment.ProcessId}");
    private EmbeddedPostgres? _server;
    private int _databases;

    public string AdminConnectionString => new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;

    private EmbeddedPostgres Server => _server ?? throw new InvalidOperationException("PostgreSQL is not started.");

    public async ValueTask InitializeAsync()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
        _server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
        {
            Directory = _directory,
            Database = Template,
            Fsync = false,
            MaxConnections = 300,
        });
        await using var template = new NpgsqlDataSourceBuilder(Server.ConnectionString).Build();
        await Migrator.MigrateAsync(template);
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Creates an empty, migrated database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= $"t{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE {Template}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    /// <summary>An empty database with no migrations applied, for migration tests.</summary>
    public async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = $"e{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; the next run with this pid replaces it.
        }
    }
}
