using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace RestMail.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the PostgreSQL data source and the mail store on it.</summary>
    public static IServiceCollection AddRestMailStorage(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        return services;
    }
}
