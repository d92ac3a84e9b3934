using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RestMail.Grains;
using RestMail.Storage;
using RestMail.Storage.Blobs;
using RestMail.Storage.Mail;
using RestMail.Storage.Postgres;

namespace RestMail.Bench;

/// <summary>
/// A private PostgreSQL (fsync on, as in production) and an in-process silo with the real grains:
/// the same durable path SMTP and the API use, minus the network front-ends.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly EmbeddedPostgres _postgres;
    private readonly IHost _host;

    private BenchHost(EmbeddedPostgres postgres, IHost host)
    {
        _postgres = postgres;
        _host = host;
    }

    public NpgsqlDataSource DataSource => _host.Services.GetRequiredService<NpgsqlDataSource>();
    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();
    public BlobStore Blobs => _host.Services.GetRequiredService<BlobStore>();
    public MailQueries Queries => _host.Services.GetRequiredService<MailQueries>();

    public static async Task<BenchHost> StartAsync(string directory)
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        var postgres = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { Directory = directory, Fsync = true });
        await using (var migrations = NpgsqlDataSource.Create(postgres.ConnectionString))
            await Migrator.MigrateAsync(migrations);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddRestMailStorage(postgres.ConnectionString);
        builder.Services.AddRestMailGrains();
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage("Default"));
        var host = builder.Build();
        await host.StartAsync();
        return new BenchHost(postgres, host);
    }

    /// <summary>Creates accounts (with their default folders) directly, without slow password hashing.</summary>
    public async Task<long[]> CreateAccountsAsync(string prefix, int count)
    {
        await using var command = DataSource.CreateCommand("""
            WITH d AS (INSERT INTO domains (name) VALUES ('bench.test') ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id),
            a AS (INSERT INTO accounts (domain_id, address, password_hash)
                  SELECT d.id, $1 || g || '@bench.test', 'x' FROM d, generate_series(1, $2) AS g RETURNING id),
            f AS (INSERT INTO folders (account_id, name, role, uid_validity)
                  SELECT a.id, r.name, r.role, 1 FROM a,
                    (VALUES ('INBOX', 'inbox'), ('Sent', 'sent'), ('Drafts', 'drafts'), ('Trash', 'trash'), ('Junk', 'junk'), ('Archive', 'archive')) AS r(name, role))
            SELECT id FROM a ORDER BY id
            """);
        command.Parameters.Add(new() { Value = prefix });
        command.Parameters.Add(new() { Value = count });
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            ids.Add(reader.GetInt64(0));
        return [.. ids];
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _postgres.DisposeAsync();
    }
}
