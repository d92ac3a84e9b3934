using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RestMail.Storage.Accounts;
using Npgsql;
using RestMail.Storage.Blobs;
using RestMail.Storage.Dkim;
using RestMail.Storage.Dns;
using RestMail.Storage.Federation;
using RestMail.Storage.Mail;
using RestMail.Storage.MailAuth;
using RestMail.Storage.Queue;

namespace RestMail.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the PostgreSQL data source and the mail store on it.</summary>
    public static IServiceCollection AddRestMailStorage(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            // Connections return to the pool without Npgsql's reset (RESET ALL, CLOSE ALL, UNLISTEN,
            // DISCARD ...), which PostgreSQL ran before the next statement of every one of the several
            // connection uses a delivery makes. Nothing here leaves session state behind: an open
            // transaction is still rolled back on return, advisory locks are transaction-scoped, only
            // SET LOCAL is used, and the migrator's session lock lives on a data source of its own.
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            return builder.Build();
        });
        services.TryAddSingleton<DirectoryStore>();
        services.AddSingleton<BlobStore>();
        services.AddSingleton<MailQueries>();
        services.AddSingleton<SearchIndexer>();
        services.AddHostedService(sp => sp.GetRequiredService<SearchIndexer>());
        services.AddSingleton<QueueStore>();
        services.AddRestMailDns();
        services.AddSingleton<DkimKeyStore>();
        services.AddSingleton<DkimSigner>();
        services.AddRestMailMailAuth();
        services.AddRestMailFederation();
        services.AddHostedService<BlobCollector>();
        services.AddSingleton<ChangeLogPruner>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeLogPruner>());
        return services;
    }
}
